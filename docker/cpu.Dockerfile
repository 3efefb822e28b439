# Training on the CPU: DL4J's native backend with oneDNN (AVX-512 build chosen at start-up where the CPU has it).
#   docker build -f docker/cpu.Dockerfile -t cifar10-dl4j:cpu .
#   mkdir -p runs      # before the first run: a missing bind-mount source would be created by Docker, owned by root
#   docker run --rm --user "$(id -u):$(id -g)" -v cifar10-cache:/cache -v "$PWD/runs:/workspace/runs" cifar10-dl4j:cpu
#   docker run --rm cifar10-dl4j:cpu train --profile quick --data synthetic     (no network needed)
# Runs as a non-root user (uid 1000 unless --user says otherwise); any uid can write /cache and /workspace.

FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
# The dependencies and plugins first, in a layer of their own: packaging the pom alone (no sources yet) fetches
# everything the real build uses (dependency:go-offline misses plugins' own dependencies), so a change under
# src/ rebuilds from here, offline.
COPY pom.xml ./
RUN mvn -B -ntp -q -DskipTests package && rm -rf target
COPY profiles ./profiles
COPY src ./src
RUN mvn -B -ntp -o -DskipTests package

# The same Java runtime as the cuda image, which copies its JRE from this very image.
FROM eclipse-temurin:17-jre-jammy
COPY --from=build /src/target/lib /app/lib
COPY --from=build /src/target/cifar10-dl4j.jar /app/cifar10-dl4j.jar
# The dataset cache and JavaCPP's unpacked natives go to the /cache volume; run directories to /workspace/runs.
RUN mkdir -p /cache /workspace/runs && chmod 1777 /cache /workspace /workspace/runs
ENV XDG_CACHE_HOME=/cache HOME=/tmp
WORKDIR /workspace
USER 1000:1000
VOLUME ["/cache", "/workspace/runs"]
ENTRYPOINT ["java", "-Dorg.bytedeco.javacpp.cachedir=/cache/javacpp", "-jar", "/app/cifar10-dl4j.jar"]
CMD ["train"]

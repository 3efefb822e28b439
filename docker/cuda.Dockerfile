# Training on NVIDIA GPUs: DL4J's CUDA 11.6 backend with cuDNN 8.
#   docker build -f docker/cuda.Dockerfile -t cifar10-dl4j:cuda .
#   mkdir -p runs      # before the first run: a missing bind-mount source would be created by Docker, owned by root
#   docker run --rm --gpus all --user "$(id -u):$(id -g)" -v cifar10-cache:/cache -v "$PWD/runs:/workspace/runs" cifar10-dl4j:cuda
# Supported GPUs: compute capability 3.7 to 8.9 (K80 to Ada), driver 450.80.02 or newer (CUDA 11 minor version
# compatibility). Without --gpus all it falls back to the CPU, saying why; run "doctor" to see what it finds.
# Runs as a non-root user (uid 1000 unless --user says otherwise); any uid can write /cache and /workspace.

FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
# The dependencies and plugins first, in a layer of their own: packaging the pom alone (no sources yet) fetches
# everything the real build uses (dependency:go-offline misses plugins' own dependencies), so a change under
# src/ rebuilds from here, offline.
COPY pom.xml ./
RUN mvn -B -ntp -q -Pcuda -DskipTests package && rm -rf target
COPY profiles ./profiles
COPY src ./src
RUN mvn -B -ntp -o -Pcuda -DskipTests package

# The Java runtime of the cpu image (Eclipse Temurin 17), copied as Adoptium documents for other base images.
FROM eclipse-temurin:17-jre-jammy AS jre

# CUDA 11.6 runtime + cuDNN 8: libcublas.so.11, libcusolver.so.11 and libcudnn.so.8, which the natives need
FROM nvidia/cuda:11.6.2-cudnn8-runtime-ubuntu20.04
ENV JAVA_HOME=/opt/java/openjdk
COPY --from=jre /opt/java/openjdk /opt/java/openjdk
ENV PATH="/opt/java/openjdk/bin:${PATH}"
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

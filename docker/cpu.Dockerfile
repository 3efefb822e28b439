# Training on the CPU: DL4J's native backend with oneDNN (AVX-512 build chosen at start-up where the CPU has it).
#   docker build -f docker/cpu.Dockerfile -t cifar10-dl4j:cpu .
#   docker run -v cifar10-cache:/cache -v "$PWD/runs:/work/runs" cifar10-dl4j:cpu
#   docker run cifar10-dl4j:cpu train --profile quick --data synthetic     (no network needed)

FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY profiles ./profiles
COPY src ./src
RUN mvn -B -ntp -DskipTests package

FROM eclipse-temurin:17-jre-jammy
COPY --from=build /src/target/cifar10-dl4j.jar /app/cifar10-dl4j.jar
COPY --from=build /src/target/lib /app/lib
ENV XDG_CACHE_HOME=/cache
WORKDIR /work
VOLUME ["/cache", "/work/runs"]
ENTRYPOINT ["java", "-jar", "/app/cifar10-dl4j.jar"]
CMD ["train"]

# Training on NVIDIA GPUs: DL4J's CUDA 11.6 backend with cuDNN 8.
#   docker build -f docker/cuda.Dockerfile -t cifar10-dl4j:cuda .
#   docker run --gpus all -v cifar10-cache:/cache -v "$PWD/runs:/work/runs" cifar10-dl4j:cuda
# Supported GPUs: compute capability 3.7 to 8.9 (K80 to Ada), driver 450.80.02 or newer (CUDA 11 minor version
# compatibility). Without --gpus all it falls back to the CPU, saying why; run "doctor" to see what it finds.

FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY profiles ./profiles
COPY src ./src
RUN mvn -B -ntp -Pcuda -DskipTests package

# CUDA 11.6 runtime + cuDNN 8: libcublas.so.11, libcusolver.so.11 and libcudnn.so.8, which the natives need
FROM nvidia/cuda:11.6.2-cudnn8-runtime-ubuntu20.04
RUN apt-get update \
    && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/cifar10-dl4j.jar /app/cifar10-dl4j.jar
COPY --from=build /src/target/lib /app/lib
ENV XDG_CACHE_HOME=/cache
WORKDIR /work
VOLUME ["/cache", "/work/runs"]
ENTRYPOINT ["java", "-jar", "/app/cifar10-dl4j.jar"]
CMD ["train"]

# Build and run analytica in a Debian 12 image.
#   docker build -t analytica .
#   docker run --rm -v "$PWD/data:/data" analytica --data-dir /data run /opt/analytica/share/analytica/pipelines/creb.json
FROM debian:12 AS build
WORKDIR /src
COPY deployment/install-deps.sh deployment/
RUN ./deployment/install-deps.sh
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
 && cmake --build build -j"$(nproc)" \
 && cmake --install build --prefix /opt/analytica

FROM debian:12-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libboost-program-options1.74.0 libsqlite3-0 libspdlog1.10 libfmt9 libpoppler-cpp0v5 libssl3 libpq5 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/analytica /opt/analytica
COPY config/pipelines /opt/analytica/share/analytica/pipelines
VOLUME /data
ENV ANALYTICA_DATA_DIR=/data
ENTRYPOINT ["/opt/analytica/bin/analytica"]
HEALTHCHECK CMD ["/opt/analytica/bin/analytica", "--version"]

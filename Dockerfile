# Calgary Analytica in a Debian 12 image: a build stage with the build
# dependencies only, and a runtime stage with the libraries the host and its
# plugins link (derived with ldd at build time, see
# deployment/runtime-packages.sh), running as the unprivileged user
# `analytica` (uid 10001) who owns /data.
#
#   podman build --format docker -t analytica .     # (docker build -t analytica .)
#   podman run -d -p 8080:8080 -v analytica-data:/data analytica          # dashboard on :8080
#   podman run --rm -v analytica-data:/data analytica run /opt/analytica/share/analytica/pipelines/creb.json
#
# The base `debian:12` is Debian's; on a machine that reaches no registry,
# deployment/base-image.sh makes it locally with debootstrap.

FROM debian:12 AS build
# Build dependencies only (no PostgreSQL server, no browser, no test or
# container tools): install-deps.sh's list filtered by build-packages.sh, so
# a library a colleague adds there reaches the image too.
COPY deployment/install-deps.sh deployment/build-packages.sh /tmp/deps/
RUN apt-get update \
 && /tmp/deps/build-packages.sh | xargs env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y --no-install-recommends ccache \
 && rm -rf /var/lib/apt/lists/* /tmp/deps
WORKDIR /src
# The sources (.dockerignore keeps out build trees, data, docs, tests, the
# README and the deployment files the build does not read, so changing those
# reuses the compiled layer; the runtime component installs a README, so an
# empty one stands in).
COPY . .
# ccache lives in a cache mount: a rebuild after a source change compiles only
# what changed.
RUN --mount=type=cache,target=/root/.cache/ccache \
    cmake -S . -B /tmp/build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
      -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
 && cmake --build /tmp/build -j"$(nproc)" \
 && { [ -f README.md ] || : > README.md; } \
 && cmake --install /tmp/build --prefix /opt/analytica --strip --component runtime \
 && rm -rf /tmp/build
RUN deployment/runtime-packages.sh /opt/analytica/bin/analytica /opt/analytica/bin/analytica-plugin-host \
      /opt/analytica/lib/analytica/plugins/*.so \
      > /opt/analytica/share/analytica/runtime-packages.txt \
 && cat /opt/analytica/share/analytica/runtime-packages.txt

FROM debian:12
RUN groupadd --system --gid 10001 analytica \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin analytica \
 && mkdir -p /data /backups \
 && chown analytica:analytica /data /backups
# The runtime libraries, exactly the packages the build stage derived.
COPY --from=build /opt/analytica/share/analytica/runtime-packages.txt /opt/analytica/share/analytica/
RUN apt-get update \
 && xargs -a /opt/analytica/share/analytica/runtime-packages.txt \
      env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/analytica /opt/analytica
COPY config/pipelines /opt/analytica/share/analytica/pipelines
COPY deployment/container/healthcheck.sh /opt/analytica/bin/analytica-healthcheck
COPY deployment/container/every.sh /opt/analytica/bin/analytica-every
COPY deployment/container/task.sh /opt/analytica/bin/analytica-task
ENV PATH=/opt/analytica/bin:$PATH \
    ANALYTICA_CONFIG=/opt/analytica/share/analytica/analytica.json \
    ANALYTICA_DATA_DIR=/data \
    ANALYTICA_PIPELINE=/opt/analytica/share/analytica/pipelines/creb.json \
    ANALYTICA_PORT=8080
USER analytica:analytica
WORKDIR /data
VOLUME /data
EXPOSE 8080
# Healthy when the store opens and passes SQLite's quick check (or the
# server is reachable) and the dashboard answers /health on ANALYTICA_PORT;
# stale data and an empty review queue are `status`'s business, not health.
HEALTHCHECK --interval=60s --timeout=20s --start-period=30s --retries=3 \
  CMD ["/opt/analytica/bin/analytica-healthcheck"]
ENTRYPOINT ["/opt/analytica/bin/analytica"]
# The dashboard, reachable through a published port.
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]

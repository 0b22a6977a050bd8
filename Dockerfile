# The jupyflux image: the `jupyflux` CLI and the controller-only `jupyflux-controller` binary (the same
# controller as `jupyflux controller`, without the rest of the CLI: less idle memory). The Deployment that
# `jupyflux render` writes to generated/<env>/controller/ runs `/usr/local/bin/jupyflux-controller`; the
# image's default command stays `jupyflux controller` (and `jupyflux` is usable for `render` in CI).
#
#   docker build -t ghcr.io/jupyflux/jupyflux:0.1.0 .
#
# Stage 1 builds the `dist` profile (release with fat LTO: smaller binaries, less idle memory) with the locked
# dependencies (rustls, no OpenSSL); stage 2 is distroless:
# no shell, no package manager, only glibc and libgcc, running as the non-root user 65532 that the Deployment's
# securityContext also names (runAsNonRoot, read-only root filesystem, all capabilities dropped).

FROM docker.io/library/rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --profile dist --locked --bin jupyflux --bin jupyflux-controller \
    && cp target/dist/jupyflux target/dist/jupyflux-controller /

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /jupyflux /jupyflux-controller /usr/local/bin/
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/jupyflux"]
CMD ["controller"]

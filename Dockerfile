# The jupyflux image: the `jupyflux` binary, run as `jupyflux controller` by the Deployment that
# `jupyflux render` writes to generated/<env>/controller/ (and usable for `render` in CI).
#
#   docker build -t ghcr.io/jupyflux/jupyflux:0.1.0 .
#
# Stage 1 builds the `dist` profile (release with fat LTO: a smaller binary, less idle memory) with the locked
# dependencies (rustls, no OpenSSL); stage 2 is distroless:
# no shell, no package manager, only glibc and libgcc, running as the non-root user 65532 that the Deployment's
# securityContext also names (runAsNonRoot, read-only root filesystem, all capabilities dropped).

FROM docker.io/library/rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --profile dist --locked --bin jupyflux && cp target/dist/jupyflux /jupyflux

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /jupyflux /usr/local/bin/jupyflux
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/jupyflux"]
CMD ["controller"]

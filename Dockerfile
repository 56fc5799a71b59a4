# ospo-scan for org scans as a Kubernetes CronJob: a static binary in a
# minimal image, running as a non-root user.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.buildVersion=${VERSION}" -o /out/ospo-scan ./cmd/ospo-scan

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ospo-scan /usr/local/bin/ospo-scan
# The HTTP cache lives here; mount a volume to keep it between runs.
ENV XDG_CACHE_HOME=/cache
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/ospo-scan"]
CMD ["--help"]

# Build a static binary, then run it as a non-root user in a small image.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/jfsync ./cmd/jfsync

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/jfsync /usr/local/bin/jfsync
USER nonroot:nonroot
EXPOSE 9117
ENTRYPOINT ["jfsync"]

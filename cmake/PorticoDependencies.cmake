# Every dependency comes from Debian packages (scripts/bootstrap installs them); nothing is
# downloaded at build time.
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(simdjson REQUIRED)
find_package(Asio REQUIRED)  # cmake/FindAsio.cmake: standalone Asio headers (libasio-dev)
find_package(ZLIB REQUIRED)    # gzip of responses (zlib1g-dev)
find_package(Brotli REQUIRED)  # cmake/FindBrotli.cmake: brotli of responses (libbrotli-dev)
find_package(Hiredis REQUIRED)  # cmake/FindHiredis.cmake: shared rate-limit counters in Redis (libhiredis-dev)

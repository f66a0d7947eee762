# syntax=docker/dockerfile:1
# Gatehouse container: build with Maven on Temurin 21, run on a plain Temurin 21 JRE.
#   docker build -t gatehouse .
#   docker run -p 8080:8080 -v gatehouse-data:/data gatehouse [--config /data/gatehouse.yaml ...]

FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY pom.xml ./
COPY src ./src
# The cache mount keeps ~/.m2 between builds, so a source change does not re-download the world.
RUN --mount=type=cache,target=/root/.m2 mvn -B -q package -DskipTests

FROM eclipse-temurin:21-jre
# Run unprivileged; /data belongs to that user so the SQLite database and spool files can be written.
RUN groupadd --system gatehouse \
    && useradd --system --gid gatehouse --home-dir /app --shell /usr/sbin/nologin gatehouse \
    && mkdir -p /data \
    && chown gatehouse:gatehouse /data
WORKDIR /app
# Dependencies first: they change less often than our jar, so this layer is usually reused.
# The jar's manifest Class-Path points at lib/ next to it.
COPY --from=build /src/target/lib/ /app/lib/
COPY --from=build /src/target/gatehouse.jar /app/gatehouse.jar
# Class-data archive of a real start (new database, a completion through the mock provider, a
# restart), recorded with this image's JVM: the container's first start maps its ~8,000 startup
# classes instead of reading and verifying them from /app/lib, about 2x faster on one core.
RUN java --enable-native-access=ALL-UNNAMED -XX:ArchiveClassesAtExit=/app/gatehouse.jsa \
        -jar /app/gatehouse.jar training-run >/dev/null
# Two malloc arenas instead of up to eight per core: a smaller resident size (as ./gatehouse sets).
ENV MALLOC_ARENA_MAX=2
USER gatehouse
VOLUME /data
EXPOSE 8080
# Arguments given to `docker run` are appended (e.g. --config, --port). Extra JVM flags go in
# JAVA_TOOL_OPTIONS (e.g. -XX:MaxRAMPercentage=75 to use more of the container's memory).
ENTRYPOINT ["java", "--enable-native-access=ALL-UNNAMED", "-XX:+ExitOnOutOfMemoryError", "-XX:SharedArchiveFile=/app/gatehouse.jsa", "-Xlog:cds=off", "-jar", "/app/gatehouse.jar", "start", "--host", "0.0.0.0", "--data", "/data"]

# syntax=docker/dockerfile:1
# One image for the cluster's infrastructure in docker-compose.cluster.yml, from Debian's
# packages as on the machines where the tests run: Patroni with PostgreSQL 15 (pg_basebackup and
# pg_rewind included), etcd and HAProxy. Each service runs one of them (see its command).
FROM debian:bookworm-slim
RUN printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \
 && apt-get update \
 && apt-get install -y --no-install-recommends patroni postgresql-15 etcd-server etcd-client haproxy curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/patroni /var/run/postgresql \
 && chown postgres:postgres /var/lib/patroni /var/run/postgresql
COPY docker/patroni.yml /etc/patroni/patroni.yml
COPY docker/haproxy.cfg /etc/haproxy/haproxy.cfg

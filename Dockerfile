# syntax=docker/dockerfile:1
# The API image: compiled JavaScript, production dependencies only, run as the non-root `node`
# user. bookworm (glibc 2.36) because the uWebSockets.js binary needs glibc; alpine's musl would
# not load it.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts only fetch local Postgres binaries for dev and tests: not needed to compile.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json
# The mock authorizer/notifier of docker-compose.product.yml (plain node:http, no dependency).
COPY scripts/lib/mock-services.ts ./scripts/lib/
RUN npx tsc --outDir dist/mock --module nodenext --moduleResolution nodenext --target es2022 --types node --skipLibCheck scripts/lib/mock-services.ts

# The mock's image (docker-compose.product.yml builds it with target: mock).
FROM node:20-bookworm-slim AS mock
WORKDIR /app
COPY --from=build /app/dist/mock/mock-services.js ./
RUN echo '{"type":"module"}' > package.json
USER node
EXPOSE 8090
CMD ["node", "mock-services.js", "8090"]

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
COPY sql ./sql
# The console's static files (src/console/static-files.ts reads them at start).
COPY web ./web
USER node
EXPOSE 8080
# Exec form: node is PID 1 and receives SIGTERM itself, so it drains before exiting. The node
# flags are scripts/lib/stack.ts's DEFAULT_API_NODE_FLAGS, the local stack's (a test checks they
# agree; the why is written there): a small young generation and early major GCs, so a billing
# upload's garbage does not grow RSS. On the command line: compose's NODE_OPTIONS is the old-space cap.
CMD ["node", "--max-semi-space-size=2", "--heap-growing-percent=30", "dist/src/main.js"]

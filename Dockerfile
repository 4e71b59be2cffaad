# Build stage: all dependencies, compile the TypeScript into dist/ (bin/build.js, @swc/core from devDependencies).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No `prepare` here: the sources are not copied yet.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN node bin/build.js --force

# Runtime stage: production dependencies only, plus the compiled dist/.
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-core fonts-liberation && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts
COPY . .
COPY --from=build /app/dist ./dist
# Run dist/ without the source-freshness check: the image is never edited (see bin/runtime.js).
ENV LIENTHONG_DEV=0
USER node

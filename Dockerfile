FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-core fonts-liberation && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
USER node

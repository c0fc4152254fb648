# VIVIM: one container, one volume. Build: docker build -t vivim .
FROM node:22-bookworm-slim AS build
WORKDIR /app
ENV VIVIM_SKIP_CHROMIUM=1 CI=true
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium ca-certificates fonts-noto-core tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 vivim \
 && mkdir -p /data && chown vivim:vivim /data
WORKDIR /app
COPY --from=build --chown=vivim:vivim /app /app
USER vivim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 VIVIM_DATA_DIR=/data CHROMIUM_PATH=/usr/bin/chromium
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "bin/vivim.js", "start"]

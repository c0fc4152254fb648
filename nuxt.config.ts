// The web app: a client-only Nuxt 4 SPA in client/, built by `nuxi generate` into .output/public,
// which the Fastify server (server/static.ts) serves with an SPA fallback.
const THEME = '#4338ca';
/** Files bigger than this are runtime-cached on first use instead of precached at install. */
const PRECACHE_MAX_BYTES = 1024 * 1024;

export default defineNuxtConfig({
  compatibilityDate: '2026-01-01',
  srcDir: 'client/',
  // The repo's server/ and modules/ are the Fastify backend and its feature modules, not Nuxt's:
  // point Nuxt's server (Nitro) and local-module folders inside client/ so it neither scans nor
  // type-checks them. The app has no Nitro routes; all API traffic goes to Fastify.
  serverDir: 'client/server',
  dir: { modules: 'client/modules' },
  ssr: false,
  telemetry: false,
  devtools: { enabled: false },
  modules: ['@pinia/nuxt', '@vite-pwa/nuxt'],
  app: {
    head: {
      title: 'VIVIM',
      htmlAttrs: { lang: 'en' },
      meta: [
        { name: 'description', content: 'A self-hosted home for your AI conversations.' },
        { name: 'theme-color', content: THEME },
        { name: 'color-scheme', content: 'light dark' },
      ],
      link: [
        { rel: 'manifest', href: '/manifest.webmanifest' },
        { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
        { rel: 'icon', href: '/favicon.ico', sizes: '48x48' },
        { rel: 'apple-touch-icon', href: '/icons/icon-192.png' },
      ],
    },
  },
  nitro: { compressPublicAssets: true },
  hooks: {
    'pwa:beforeBuildServiceWorker'(options) {
      const transforms = options.workbox.manifestTransforms ?? [];
      options.workbox.manifestTransforms = [...transforms, async (entries) => ({ manifest: entries.filter((entry) => entry.size <= PRECACHE_MAX_BYTES), warnings: [] })];
    },
  },
  pwa: {
    registerType: 'autoUpdate',
    manifest: {
      name: 'VIVIM',
      short_name: 'VIVIM',
      description: 'A self-hosted home for your AI conversations.',
      theme_color: THEME,
      background_color: '#ffffff',
      display: 'standalone',
      start_url: '/',
      scope: '/',
      icons: [
        { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
        { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
        { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
      ],
    },
    workbox: {
      // Set explicitly: with Nuxt's app manifest on, @vite-pwa/nuxt otherwise precaches only
      // _nuxt/builds/*.json, leaving the shell and JS out (and '/' unprecached for the fallback).
      globPatterns: ['**/*.{js,css,html,svg,png,ico}'],
      navigateFallback: '/',
      navigateFallbackDenylist: [/^\/api\//, /^\/trpc\//, /^\/mcp/, /^\/health/, /^\/ready/],
      globIgnores: ['200.html', '404.html'],
      // Mermaid's core (~1.5 MB) would double what every install downloads up front, for diagrams few
      // conversations have: chunks over 1 MB are not precached but fetched on first use and kept by
      // the runtime cache below, like every other lazy chunk the precache misses.
      // (A transform added in the hook below, not maximumFileSizeToCacheInBytes: vite-plugin-pwa fails
      // the build on that one's warning; and not here: setting manifestTransforms replaces
      // @vite-pwa/nuxt's own, which maps `index.html` to `/` for the navigation fallback.)
      runtimeCaching: [
        {
          // Hashed file names: a cached chunk never goes stale.
          urlPattern: /\/_nuxt\/.+\.(?:js|css)$/,
          handler: 'CacheFirst',
          options: { cacheName: 'vivim-lazy-chunks', expiration: { maxEntries: 60 }, cacheableResponse: { statuses: [200] } },
        },
      ],
    },
  },
});

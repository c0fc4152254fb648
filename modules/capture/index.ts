import { defineModule } from '#server/module.ts';
import { captureEntities } from './entities.ts';
import { captureJobs } from './jobs.ts';
import { registerCaptureRoutes } from './http.ts';
import { captureRouter } from './router.ts';
import { CaptureService } from './service.ts';
import type { CaptureNetwork } from './service/capture-url.ts';

declare module '#server/services.ts' {
  interface AppServices {
    capture: CaptureService;
  }
}

declare module '#server/module.ts' {
  interface RuntimeOverrides {
    /** Tests: serve provider pages from recorded fixtures instead of the network. */
    captureNetwork?: CaptureNetwork;
  }
}

/** Conversations captured from share links, uploaded pages and exports; messages, parts, blobs, ACUs. */
export default defineModule({
  name: 'capture',
  dependsOn: ['auth'],
  entities: captureEntities,
  http: registerCaptureRoutes,
  router: captureRouter,
  jobs: captureJobs,
  services: (deps) => ({ capture: new CaptureService(deps, deps.overrides.captureNetwork) }),
  onStop: (deps) => deps.services.capture?.stop(),
});

export type { CaptureService, ConversationTurns, IndexSource, IndexVersion, MessageText } from './service.ts';
export type { CaptureNetwork } from './service/capture-url.ts';
export { captureEvents } from './events.ts';

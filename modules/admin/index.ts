import { defineModule } from '#server/module.ts';
import { adminJobs } from './jobs.ts';
import { adminRouter } from './router.ts';
import { AdminService } from './service.ts';

declare module '#server/services.ts' {
  interface AppServices {
    admin: AdminService;
  }
}

/** System status, audit log and operational self-tests. */
export default defineModule({
  name: 'admin',
  router: adminRouter,
  jobs: adminJobs,
  services: (deps) => ({ admin: new AdminService(deps) }),
});

export type { AdminService } from './service.ts';

import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126000000Foundation } from './Migration20261126000000_foundation.ts';
import { Migration20261126072148Capture } from './Migration20261126072148_capture.ts';
import { Migration20261126101133Search } from './Migration20261126101133_search.ts';
import { Migration20261126124006Memory } from './Migration20261126124006_memory.ts';
import { Migration20261126124341Knowledge } from './Migration20261126124341_knowledge.ts';
import { Migration20261126190000SearchAcuFold } from './Migration20261126190000_search_acu_fold.ts';

/** Every migration, in order. New ones are appended by `npm run migration:create`. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261126000000_foundation', class: Migration20261126000000Foundation },
  { name: 'Migration20261126072148_capture', class: Migration20261126072148Capture },
  { name: 'Migration20261126101133_search', class: Migration20261126101133Search },
  { name: 'Migration20261126124006_memory', class: Migration20261126124006Memory },
  { name: 'Migration20261126124341_knowledge', class: Migration20261126124341Knowledge },
  { name: 'Migration20261126190000_search_acu_fold', class: Migration20261126190000SearchAcuFold },
];

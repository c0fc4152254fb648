import { Migration } from '@mikro-orm/migrations';

/**
 * A message document may stand for the one ACU that repeats its whole text (`acu_id`): that ACU gets
 * no document of its own. Existing ACU documents stay until their conversation is indexed again.
 */
export class Migration20261126190000SearchAcuFold extends Migration {
  override name = 'Migration20261126190000_search_acu_fold';

  override up(): void {
    this.addSql('alter table "search_doc" add column "acu_id" uuid null;');
  }

  override down(): void {
    this.addSql('alter table "search_doc" drop column "acu_id";');
  }
}

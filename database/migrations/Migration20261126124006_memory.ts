import { Migration } from '@mikro-orm/migrations';

export class Migration20261126124006Memory extends Migration {
  override name = 'Migration20261126124006_memory';

  override up(): void {
    this.addSql("create table \"memory_extraction\" (\"conversation_id\" uuid not null, \"owner_id\" uuid not null, \"content_hash\" text not null, \"extractor\" text not null, \"candidates\" int not null, \"extracted_at\" timestamptz not null default now(), primary key (\"conversation_id\"));");
    this.addSql("create table \"memory_forgotten\" (\"owner_id\" uuid not null, \"content_key\" text not null, \"forgotten_at\" timestamptz not null default now(), primary key (\"owner_id\", \"content_key\"));");
    this.addSql("create table \"memory_item\" (\"id\" uuid not null, \"owner_id\" uuid not null, \"type\" text not null, \"content\" text not null, \"content_hash\" text not null, \"slot\" text null, \"confidence\" double precision not null, \"importance\" double precision not null, \"pinned\" boolean not null default false, \"source\" text not null, \"extractor\" text null, \"valid_from\" timestamptz null, \"valid_to\" timestamptz null, \"superseded_by\" uuid null, \"created_at\" timestamptz not null default now(), \"updated_at\" timestamptz not null default now(), primary key (\"id\"));");
    this.addSql("create index \"memory_item_owner_current_index\" on \"memory_item\" (\"owner_id\", \"type\", \"superseded_by\");");
    this.addSql("create index \"memory_item_owner_slot_index\" on \"memory_item\" (\"owner_id\", \"slot\");");
    this.addSql("create index \"memory_item_owner_hash_index\" on \"memory_item\" (\"owner_id\", \"content_hash\");");
    this.addSql("create index \"memory_item_content_trgm_index\" on \"memory_item\" using gin (\"content\" gin_trgm_ops);");
    this.addSql("create table \"memory_provenance\" (\"id\" uuid not null, \"memory_id\" uuid not null, \"owner_id\" uuid not null, \"conversation_id\" uuid not null, \"message_id\" uuid not null, \"source_conversation_id\" text null, \"source_message_id\" text null, \"provider\" text null, \"quote\" text not null, \"created_at\" timestamptz not null default now(), primary key (\"id\"));");
    this.addSql("create index \"memory_provenance_owner_conversation_index\" on \"memory_provenance\" (\"owner_id\", \"conversation_id\");");
    this.addSql("alter table \"memory_provenance\" add constraint \"memory_provenance_memory_message_unique\" unique (\"memory_id\", \"message_id\");");
    this.addSql("create table \"memory_revision\" (\"id\" uuid not null, \"memory_id\" uuid not null, \"owner_id\" uuid not null, \"action\" text not null, \"previous_content\" text null, \"content\" text null, \"actor\" text not null, \"detail\" text null, \"at\" timestamptz not null default now(), primary key (\"id\"));");
    this.addSql("create index \"memory_revision_memory_at_index\" on \"memory_revision\" (\"memory_id\", \"at\");");
    this.addSql("alter table \"memory_provenance\" add constraint \"memory_provenance_memory_id_foreign\" foreign key (\"memory_id\") references \"memory_item\" (\"id\") on delete cascade;");
    this.addSql("alter table \"memory_revision\" add constraint \"memory_revision_memory_id_foreign\" foreign key (\"memory_id\") references \"memory_item\" (\"id\") on delete cascade;");
  }
}

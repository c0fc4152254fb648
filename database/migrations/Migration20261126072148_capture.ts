import { Migration } from '@mikro-orm/migrations';

export class Migration20261126072148Capture extends Migration {
  override name = 'Migration20261126072148_capture';

  override up(): void {
    this.addSql("create table \"capture_blob\" (\"id\" uuid not null, \"owner_id\" uuid not null, \"sha256\" text not null, \"mime_type\" text null, \"size\" bigint not null, \"created_at\" timestamptz not null default now(), primary key (\"id\"));");
    this.addSql("alter table \"capture_blob\" add constraint \"capture_blob_owner_id_sha256_unique\" unique (\"owner_id\", \"sha256\");");
    this.addSql("create table \"capture_conversation\" (\"id\" uuid not null, \"owner_id\" uuid not null, \"provider\" text not null, \"source_id\" text not null, \"source_url\" text null, \"title\" text not null, \"model\" text null, \"created_at\" timestamptz null, \"updated_at\" timestamptz null, \"captured_at\" timestamptz not null default now(), \"modified_at\" timestamptz not null default now(), \"content_hash\" text not null, \"current_leaf_id\" uuid null, \"message_count\" int not null default 0, \"tags\" text[] not null default '{}', \"visibility\" text not null default 'private', \"origin\" text not null default 'capture', primary key (\"id\"));");
    this.addSql("create index \"capture_conversation_owner_id_captured_at_index\" on \"capture_conversation\" (\"owner_id\", \"captured_at\");");
    this.addSql("create index \"capture_conversation_owner_id_provider_index\" on \"capture_conversation\" (\"owner_id\", \"provider\");");
    this.addSql("alter table \"capture_conversation\" add constraint \"capture_conversation_owner_id_provider_source_id_unique\" unique (\"owner_id\", \"provider\", \"source_id\");");
    this.addSql("create table \"capture_acu\" (\"id\" uuid not null, \"conversation_id\" uuid not null, \"owner_id\" uuid not null, \"type\" text not null, \"content\" text not null, \"language\" text null, \"quality\" double precision not null, \"hash\" text not null, \"message_ids\" text[] not null, \"created_at\" timestamptz not null default now(), primary key (\"id\"));");
    this.addSql("create index \"capture_acu_owner_id_type_index\" on \"capture_acu\" (\"owner_id\", \"type\");");
    this.addSql("alter table \"capture_acu\" add constraint \"capture_acu_conversation_id_hash_unique\" unique (\"conversation_id\", \"hash\");");
    this.addSql("create table \"capture_import\" (\"id\" uuid not null, \"owner_id\" uuid not null, \"file_name\" text not null, \"path\" text not null, \"provider\" text null, \"status\" text not null, \"job_id\" text null, \"processed\" int not null default 0, \"conversations\" int not null default 0, \"messages\" int not null default 0, \"unchanged\" int not null default 0, \"errors\" jsonb not null, \"created_at\" timestamptz not null default now(), \"finished_at\" timestamptz null, primary key (\"id\"));");
    this.addSql("create index \"capture_import_owner_id_created_at_index\" on \"capture_import\" (\"owner_id\", \"created_at\");");
    this.addSql("create table \"capture_message\" (\"id\" uuid not null, \"conversation_id\" uuid not null, \"owner_id\" uuid not null, \"source_id\" text not null, \"parent_id\" uuid null, \"branch_index\" int not null default 0, \"position\" int not null, \"is_on_current_branch\" boolean not null default true, \"role\" text not null, \"model\" text null, \"created_at\" timestamptz null, \"hidden\" boolean not null default false, \"parts\" jsonb not null, \"text\" text not null, \"content_hash\" text not null, primary key (\"id\"));");
    this.addSql("create index \"capture_message_owner_id_index\" on \"capture_message\" (\"owner_id\");");
    this.addSql("create index \"capture_message_parent_id_index\" on \"capture_message\" (\"parent_id\");");
    this.addSql("alter table \"capture_message\" add constraint \"capture_message_conversation_id_source_id_unique\" unique (\"conversation_id\", \"source_id\");");
    this.addSql("alter table \"vivim_job\" add \"error_code\" text null;");
    this.addSql("alter table \"capture_acu\" add constraint \"capture_acu_conversation_id_foreign\" foreign key (\"conversation_id\") references \"capture_conversation\" (\"id\") on delete cascade;");
    this.addSql("alter table \"capture_message\" add constraint \"capture_message_conversation_id_foreign\" foreign key (\"conversation_id\") references \"capture_conversation\" (\"id\") on delete cascade;");
  }
}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261126124341Knowledge extends Migration {
  override name = 'Migration20261126124341_knowledge';

  override up(): void {
    this.addSql("create table \"knowledge_conversation\" (\"conversation_id\" uuid not null, \"owner_id\" uuid not null, \"version\" text not null, \"title\" text not null, \"source_conversation_id\" text null, \"message_count\" int not null default 0, \"last_seen_at\" timestamptz null, \"terms\" jsonb not null, \"processed_at\" timestamptz not null default now(), primary key (\"conversation_id\"));");
    this.addSql("create index \"knowledge_conversation_owner_index\" on \"knowledge_conversation\" (\"owner_id\");");
    this.addSql("create table \"knowledge_entity\" (\"id\" uuid not null, \"owner_id\" uuid not null, \"key\" text not null, \"name\" text not null, \"type\" text not null, \"aliases\" text[] not null, \"alias_keys\" text[] not null, \"mention_count\" int not null default 0, \"conversation_count\" int not null default 0, \"last_seen_at\" timestamptz null, primary key (\"id\"));");
    this.addSql("create index \"knowledge_entity_owner_type_key_index\" on \"knowledge_entity\" (\"owner_id\", \"type\", \"key\");");
    this.addSql("create index \"knowledge_entity_owner_seen_index\" on \"knowledge_entity\" (\"owner_id\", \"last_seen_at\");");
    this.addSql("create index \"knowledge_entity_alias_keys_index\" on \"knowledge_entity\" using gin (\"alias_keys\");");
    this.addSql("alter table \"knowledge_entity\" add constraint \"knowledge_entity_owner_key_unique\" unique (\"owner_id\", \"key\");");
    this.addSql("create table \"knowledge_mention\" (\"id\" uuid not null, \"entity_id\" uuid not null, \"owner_id\" uuid not null, \"conversation_id\" uuid not null, \"message_id\" uuid null, \"source_conversation_id\" text null, \"source_message_id\" text null, \"surface\" text not null, \"type\" text not null, \"count\" int not null, \"seen_at\" timestamptz null, primary key (\"id\"));");
    this.addSql("create index \"knowledge_mention_entity_seen_index\" on \"knowledge_mention\" (\"entity_id\", \"seen_at\");");
    this.addSql("create index \"knowledge_mention_owner_conversation_index\" on \"knowledge_mention\" (\"owner_id\", \"conversation_id\");");
    this.addSql("create table \"knowledge_topic\" (\"id\" uuid not null, \"owner_id\" uuid not null, \"key\" text not null, \"label\" text not null, \"keyphrases\" text[] not null, \"terms\" text[] not null, \"conversation_count\" int not null, \"message_count\" int not null, \"last_seen_at\" timestamptz null, \"signature\" text not null, \"updated_at\" timestamptz not null default now(), primary key (\"id\"));");
    this.addSql("create index \"knowledge_topic_owner_seen_index\" on \"knowledge_topic\" (\"owner_id\", \"last_seen_at\");");
    this.addSql("create index \"knowledge_topic_terms_index\" on \"knowledge_topic\" using gin (\"terms\");");
    this.addSql("alter table \"knowledge_topic\" add constraint \"knowledge_topic_owner_key_unique\" unique (\"owner_id\", \"key\");");
    this.addSql("create table \"knowledge_topic_conversation\" (\"topic_id\" uuid not null, \"conversation_id\" uuid not null, \"owner_id\" uuid not null, \"weight\" double precision not null, \"message_count\" int not null, primary key (\"topic_id\", \"conversation_id\"));");
    this.addSql("create index \"knowledge_topic_conversation_owner_conversation_index\" on \"knowledge_topic_conversation\" (\"owner_id\", \"conversation_id\");");
    this.addSql("alter table \"knowledge_mention\" add constraint \"knowledge_mention_entity_id_foreign\" foreign key (\"entity_id\") references \"knowledge_entity\" (\"id\") on delete cascade;");
    this.addSql("alter table \"knowledge_topic_conversation\" add constraint \"knowledge_topic_conversation_topic_id_foreign\" foreign key (\"topic_id\") references \"knowledge_topic\" (\"id\") on delete cascade;");
  }
}

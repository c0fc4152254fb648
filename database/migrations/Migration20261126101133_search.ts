import { Migration } from '@mikro-orm/migrations';

export class Migration20261126101133Search extends Migration {
  override name = 'Migration20261126101133_search';

  override up(): void {
    this.addSql("create table \"search_doc\" (\"id\" uuid not null, \"owner_id\" uuid not null, \"kind\" text not null, \"ref_id\" uuid not null, \"conversation_id\" uuid null, \"message_id\" uuid null, \"source_conversation_id\" text null, \"source_message_id\" text null, \"provider\" text null, \"role\" text null, \"title\" text not null, \"body\" text not null, \"code\" text not null, \"context\" text not null, \"created_at\" timestamptz null, \"lang\" text not null, \"content_hash\" text not null, \"tsv\" tsvector null, \"indexed_at\" timestamptz not null default now(), primary key (\"id\"));");
    this.addSql("create index \"search_doc_owner_conversation_index\" on \"search_doc\" (\"owner_id\", \"conversation_id\");");
    this.addSql("create index \"search_doc_owner_kind_created_index\" on \"search_doc\" (\"owner_id\", \"kind\", \"created_at\");");
    this.addSql("create index \"search_doc_tsv_index\" on \"search_doc\" using gin (\"tsv\");");
    this.addSql("create index \"search_doc_title_trgm_index\" on \"search_doc\" using gin (\"title\" gin_trgm_ops) where \"kind\" = 'conversation';");
    this.addSql("alter table \"search_doc\" add constraint \"search_doc_kind_ref_unique\" unique (\"kind\", \"ref_id\");");
    this.addSql("create table \"search_embedding\" (\"doc_id\" uuid not null, \"model\" text not null, \"chunk\" int not null, \"owner_id\" uuid not null, \"embedding\" vector not null, \"created_at\" timestamptz not null default now(), primary key (\"doc_id\", \"model\", \"chunk\"));");
    this.addSql("create index \"search_embedding_use_lite_512_hnsw\" on \"search_embedding\" using hnsw ((\"embedding\"::vector(512)) vector_cosine_ops) where \"model\" = 'use-lite-512';");
    this.addSql("create table \"search_source\" (\"conversation_id\" uuid not null, \"owner_id\" uuid not null, \"version\" text not null, \"indexed_at\" timestamptz not null default now(), primary key (\"conversation_id\"));");
    this.addSql("create table \"search_term\" (\"owner_id\" uuid not null, \"term\" text not null, primary key (\"owner_id\", \"term\"));");
    this.addSql("create index \"search_term_trgm_index\" on \"search_term\" using gin (\"term\" gin_trgm_ops);");
    this.addSql("alter table \"search_embedding\" add constraint \"search_embedding_doc_id_foreign\" foreign key (\"doc_id\") references \"search_doc\" (\"id\") on delete cascade;");
  }
}

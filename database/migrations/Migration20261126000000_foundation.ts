import { Migration } from '@mikro-orm/migrations';

/** Foundation: extensions, job status, audit log, users, sessions, API keys, OAuth accounts. */
export class Migration20261126000000Foundation extends Migration {
  override name = 'Migration20261126000000_foundation';

  override up(): void {
    this.addSql('create extension if not exists vector;');
    this.addSql('create extension if not exists pg_trgm;');
    this.addSql('create table "auth_api_key" ("id" uuid not null, "user_id" uuid not null, "name" text not null, "prefix" text not null, "key_hash" text not null, "scopes" text[] not null, "created_at" timestamptz not null default now(), "last_used_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"));');
    this.addSql('create index "auth_api_key_user_id_index" on "auth_api_key" ("user_id");');
    this.addSql('alter table "auth_api_key" add constraint "auth_api_key_key_hash_unique" unique ("key_hash");');
    this.addSql('create table "auth_oauth_account" ("id" uuid not null, "provider" text not null, "provider_user_id" text not null, "user_id" uuid not null, "email" text null, "created_at" timestamptz not null default now(), primary key ("id"));');
    this.addSql('create index "auth_oauth_account_user_id_index" on "auth_oauth_account" ("user_id");');
    this.addSql('alter table "auth_oauth_account" add constraint "auth_oauth_account_provider_provider_user_id_unique" unique ("provider", "provider_user_id");');
    this.addSql('create table "auth_session" ("id" text not null, "user_id" uuid not null, "expires_at" timestamptz not null, "created_at" timestamptz not null default now(), "last_seen_at" timestamptz not null default now(), "user_agent" text null, "ip" text null, primary key ("id"));');
    this.addSql('create index "auth_session_user_id_index" on "auth_session" ("user_id");');
    this.addSql('create table "auth_user" ("id" uuid not null, "email" text not null, "name" text null, "password_hash" text null, "is_admin" boolean not null default false, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));');
    this.addSql('alter table "auth_user" add constraint "auth_user_email_unique" unique ("email");');
    this.addSql('create table "vivim_audit_log" ("id" bigserial primary key, "actor_id" uuid null, "action" text not null, "target_id" text null, "ip" text null, "details" jsonb null, "created_at" timestamptz not null default now());');
    this.addSql('create index "vivim_audit_log_created_at_index" on "vivim_audit_log" ("created_at");');
    this.addSql('create index "vivim_audit_log_actor_id_index" on "vivim_audit_log" ("actor_id");');
    this.addSql('create table "vivim_job" ("id" bigint not null, "task" text not null, "owner_id" uuid null, "state" text not null, "step" text null, "percent" double precision null, "message" text null, "attempts" int not null default 0, "max_attempts" int not null default 5, "error" text null, "result" jsonb null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));');
    this.addSql('create index "vivim_job_owner_id_created_at_index" on "vivim_job" ("owner_id", "created_at");');
  }

  override down(): void {
    for (const table of ['auth_oauth_account', 'auth_api_key', 'auth_session', 'auth_user', 'vivim_audit_log', 'vivim_job']) {
      this.addSql(`drop table if exists "${table}" cascade;`);
    }
  }
}

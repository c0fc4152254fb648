/**
 * The services the MCP tools call, as the types their modules export (the tools reach other
 * modules only through these).
 */
export type { CaptureService } from '#modules/capture/index.ts';
export type { SearchService } from '#modules/search/index.ts';
export type { MemoryService, MemoryDto } from '#modules/memory/index.ts';
export type { ContextService } from '#modules/context/index.ts';

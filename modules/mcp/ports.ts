/**
 * The services the MCP tools call, as the types their modules export (the tools reach other
 * modules only through these).
 */
export type { CaptureService } from '#modules/capture/index.ts';
export type { SearchService } from '#modules/search/index.ts';

/** With the local CLI token (the `vivim mcp` relay), `/mcp` acts for the user whose email this header names. */
export const MCP_USER_HEADER = 'x-vivim-user';

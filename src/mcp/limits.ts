/** @module How large one MCP message may be, on every transport (an HTTP body, a stdio line). */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

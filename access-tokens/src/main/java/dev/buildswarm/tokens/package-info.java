/**
 * Credentials: the tokens a coordinator or dashboard accepts ({@link
 * dev.buildswarm.tokens.AcceptedTokens}) and the one a drone or the CLI presents ({@link
 * dev.buildswarm.tokens.TokenSource}). Knows nothing of gRPC or HTTP.
 */
package dev.buildswarm.tokens;

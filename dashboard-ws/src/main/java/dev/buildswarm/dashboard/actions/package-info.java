/**
 * Operator actions (retry, cancel, ground, unground, drain, undrain). Off unless an operator token
 * is configured; each one is a call to the coordinator's admin API, the one service layer every
 * entry point goes through (lesson 6). The dashboard never writes Redis.
 */
package dev.buildswarm.dashboard.actions;

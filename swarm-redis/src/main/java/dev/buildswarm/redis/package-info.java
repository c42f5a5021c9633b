/**
 * How one swarm is laid out in Redis. {@link dev.buildswarm.redis.RedisKeys} is the only place that
 * spells a key; docs/redis-keys.md lists each key, its type and the script that writes it.
 */
package dev.buildswarm.redis;

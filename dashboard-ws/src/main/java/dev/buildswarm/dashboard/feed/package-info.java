/** Reading and merging swarm state for the page. */
package dev.buildswarm.dashboard.feed;

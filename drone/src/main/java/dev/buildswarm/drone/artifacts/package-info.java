/** Binary packages a build made under PKGDIR: found by comparing before and after, and uploaded. */
package dev.buildswarm.drone.artifacts;

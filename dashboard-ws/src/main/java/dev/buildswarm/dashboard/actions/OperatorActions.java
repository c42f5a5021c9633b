package dev.buildswarm.dashboard.actions;

import dev.buildswarm.proto.v1.DroneOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;

/**
 * The gate in front of the admin API: the dashboard is read-only unless an operator token is
 * configured, and then an action must present the same token. Refusals are 403 and reach no
 * coordinator. Thread-safe (immutable but for the admin client, which is).
 */
public final class OperatorActions {
  private final byte[] token;
  private final CoordinatorAdmin admin;

  /** {@code token} empty or null: read-only. */
  public OperatorActions(String token, CoordinatorAdmin admin) {
    this.token = token == null || token.isBlank() ? null : token.getBytes(StandardCharsets.UTF_8);
    this.admin = admin;
  }

  public boolean enabled() {
    return token != null;
  }

  /** Compares in constant time, so the token cannot be guessed a character at a time. */
  public boolean allows(String presented) {
    return token != null
        && presented != null
        && MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8));
  }

  private ActionResult refusal(String presented) {
    if (token == null) {
      return new ActionResult(403, "this dashboard is read-only: no operator token is configured");
    }
    return new ActionResult(403, presented == null || presented.isEmpty() ? "operator token required" : "wrong operator token");
  }

  /** {@code retry} or {@code cancel} of one package (id or atom). */
  public ActionResult onPackage(String presented, String packageId, String action, String reason) {
    if (!allows(presented)) {
      return refusal(presented);
    }
    return switch (action) {
      case "retry" -> admin.retry(packageId);
      case "cancel" -> admin.cancel(packageId, reason.isBlank() ? "cancelled from the dashboard" : reason);
      default -> new ActionResult(404, "no package action '" + action + "' (retry, cancel)");
    };
  }

  /** {@code ground}, {@code unground}, {@code drain} or {@code undrain} of one drone. */
  public ActionResult onDrone(String presented, String drone, String order, String reason) {
    if (!allows(presented)) {
      return refusal(presented);
    }
    DroneOrder wire;
    try {
      wire = DroneOrder.valueOf(order.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      wire = DroneOrder.DRONE_ORDER_UNSPECIFIED;
    }
    if (wire == DroneOrder.DRONE_ORDER_UNSPECIFIED || wire == DroneOrder.UNRECOGNIZED) {
      return new ActionResult(404, "no drone order '" + order + "' (ground, unground, drain, undrain)");
    }
    return admin.order(drone, wire, reason.isBlank() ? "from the dashboard" : reason);
  }
}

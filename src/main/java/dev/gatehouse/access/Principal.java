package dev.gatehouse.access;

/**
 * Who is calling. The governance work adds virtual keys, users, teams and policies; the request
 * path only asks a principal what it may do, so those slot in without changing the path.
 *
 * @param id stable identifier for logs and accounting (never the key itself)
 * @param kind how the caller proved who it is: "master-key", later "virtual-key", "jwt"
 */
public record Principal(String id, String kind) {

    public static final Principal MASTER = new Principal("master", "master-key");

    /** Whether this caller may use the public model {@code model}. */
    public boolean mayUseModel(String model) {
        return true;
    }
}

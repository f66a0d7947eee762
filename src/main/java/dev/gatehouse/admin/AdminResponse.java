package dev.gatehouse.admin;

/** A body with a status other than 200 (e.g. 201 Created, 204 No Content with a null body). */
public record AdminResponse(int status, Object body) {
    public static AdminResponse created(Object body) {
        return new AdminResponse(201, body);
    }

    public static AdminResponse noContent() {
        return new AdminResponse(204, null);
    }
}

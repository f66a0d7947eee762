package dev.gatehouse.web;

/** A body with a status other than 200 (e.g. 201 Created, 204 No Content with a null body). */
public record AdminResponse(int status, Object body) {
    public static AdminResponse created(Object body) {
        return new AdminResponse(201, body);
    }

    public static AdminResponse noContent() {
        return new AdminResponse(204, null);
    }

    /** A body that is not JSON (e.g. a JSON Lines export), written as given. */
    public static AdminResponse raw(String contentType, byte[] bytes) {
        return new AdminResponse(200, new Raw(contentType, bytes));
    }

    /** Bytes with their content type, passed through without Jackson. */
    public record Raw(String contentType, byte[] bytes) {}
}

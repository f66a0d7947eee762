package dev.gatehouse.config;

/** @param masterKey the administrator key; null or empty means "generate one at first start" */
public record AuthConfig(String masterKey) {}

package dev.cifar10.config;

/** A run setting is missing, unknown or out of range; raised before any work starts. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}

package dev.gatehouse.cluster;

import dev.gatehouse.Main;

/**
 * Entry point of a gateway node started by {@link Cluster}: the real {@code gatehouse start}, plus
 * two guards so a node never outlives its test run, even when the test JVM itself is killed
 * (then no cleanup code runs): the node exits when the process that started it is gone, and in
 * any case after a maximum lifetime.
 */
public final class ClusterNodeMain {
    static final String MAX_LIFE = "gatehouse.cluster.max-life-seconds";

    private ClusterNodeMain() {}

    public static void main(String[] args) {
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> Runtime.getRuntime().halt(3)));
        long maxLife = Long.getLong(MAX_LIFE, 300);
        Thread.ofPlatform().daemon().name("cluster-node-max-life").start(() -> {
            try {
                Thread.sleep(maxLife * 1000);
            } catch (InterruptedException e) {
                return;
            }
            Runtime.getRuntime().halt(4);
        });
        Main.main(args);
    }
}

package dev.gatehouse.mcp;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Finds the process a stdio transport started (the SDK keeps it private) so the gateway can kill
 * it and everything it spawned (e.g. a node process under a launcher) when the server is stopped,
 * restarted or the gateway shuts down. Starts are serialised so that the one new child of this
 * JVM is the one just started.
 */
final class StdioProcesses {
    private static final ReentrantLock STARTING = new ReentrantLock();

    private StdioProcesses() {}

    /** A started server process (null handle: it could not be identified). */
    record Started(ProcessHandle handle) {
        /** Kills the process tree: politely first, then forcibly after a moment. */
        void kill() {
            if (handle == null) {
                return;
            }
            List<ProcessHandle> tree = new java.util.ArrayList<>(handle.descendants().toList());
            tree.add(handle);
            tree.forEach(ProcessHandle::destroy);
            for (ProcessHandle p : tree) {
                try {
                    p.onExit().get(2, TimeUnit.SECONDS);
                } catch (Exception e) {
                    p.destroyForcibly();
                }
            }
        }

        public long pid() {
            return handle == null ? -1 : handle.pid();
        }
    }

    static Started track(Runnable start) {
        STARTING.lock();
        try {
            Set<Long> before = new HashSet<>();
            ProcessHandle.current().children().forEach(p -> before.add(p.pid()));
            try {
                start.run();
            } catch (RuntimeException e) {
                // started but failed to initialise: do not leave it running
                newChild(before).kill();
                throw e;
            }
            return newChild(before);
        } finally {
            STARTING.unlock();
        }
    }

    private static Started newChild(Set<Long> before) {
        return new Started(ProcessHandle.current().children().filter(p -> !before.contains(p.pid()) && p.isAlive())
                .findFirst().orElse(null));
    }
}

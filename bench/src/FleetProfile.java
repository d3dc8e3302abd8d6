import java.util.List;

/** Several simulators in their own processes, one run sending to all of them (the spec's {@code servers:}). */
enum FleetProfile {

    /**
     * Three unequal GPU servers: a big one, a middling one, a small one, each slower per slot than the last. Combined
     * capacity 4,800 tokens/s: 2/3, 1/4 and 1/12 of it.
     */
    THREE_SERVERS(List.of(new FleetServer(8, 400), new FleetServer(4, 300), new FleetServer(2, 200)));

    final List<FleetServer> servers;

    FleetProfile(List<FleetServer> servers) {
        this.servers = servers;
    }

    long capacity() {
        return servers.stream().mapToLong(FleetServer::capacity).sum();
    }

    /** The share of the fleet's capacity the server at this index has. */
    double capacityShare(int server) {
        return (double) servers.get(server).capacity() / capacity();
    }

    String describe() {
        return servers.size() + " servers: " + String.join(", ", servers.stream().map(FleetServer::describe).toList())
                + " per slot; lognormal lengths (median 60 tokens, sigma 1)";
    }
}

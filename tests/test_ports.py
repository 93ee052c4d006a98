"""The harness's server ports stay out of the kernel's ephemeral range, where an outgoing
connection could take a port between the moment it is chosen and the moment a server
started in another process (an Elasticsearch node, Redis) binds it."""

from __future__ import annotations

import socket

from tools.es_server import EsCluster
from tools.ports import ephemeral_range, server_port


def test_server_ports_are_free_and_outside_the_ephemeral_range():
    low, high = ephemeral_range()
    ports = [server_port() for _ in range(200)]
    assert not [p for p in ports if low <= p <= high]
    with socket.socket() as s:
        s.bind(("127.0.0.1", ports[-1]))  # free when returned


def test_server_port_skips_ports_already_taken():
    taken = {server_port() for _ in range(20)}
    assert server_port(taken) not in taken


def test_a_cluster_gets_distinct_ports_outside_the_ephemeral_range():
    low, high = ephemeral_range()
    cluster = EsCluster(3)
    ports = [n.port for n in cluster.nodes] + [n.transport_port for n in cluster.nodes]
    assert len(set(ports)) == 6
    assert not [p for p in ports if p is None or low <= p <= high]
    assert all(n.seeds == cluster.nodes[0].seeds for n in cluster.nodes)
    for node in cluster.nodes:
        node.stop()  # removes the (unused) work directories

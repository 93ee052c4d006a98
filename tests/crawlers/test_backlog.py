"""The list-walk bookkeeping of crawlers/backlog.py, page by page (no server needed; the
crawls themselves are tested against a flaky loopback board in tests/faults/)."""

from __future__ import annotations

from yuqing.crawlers.backlog import Gap, ListState, ListWalk, describe


def page(board: list[int], k: int, size: int = 10) -> list[str]:
    return [f"/m/{n}" for n in board[(k - 1) * size : k * size]]


def walk_all(walk: ListWalk, board: list[int], known: set[str], fail: int | None = None):
    """Drive one crawl's walk over ``board`` (ids, newest first); returns pages read."""
    go, read = ("/list/1", 1), []
    while go is not None:
        k = go[1]
        if k == fail:
            walk.failed(k, go[0])
            break
        items = page(board, k)
        read.append(k)
        unseen = sum(u not in known for u in items)
        known.update(items)
        more = k * 10 < len(board)
        go = walk.after_page(k, go[0], items, unseen, f"/list/{k + 1}" if more else None)
    return read


def test_first_walk_of_a_deep_list_keeps_a_gap_without_marker():
    board = list(range(200, 0, -1))
    walk = ListWalk("/list/1", ListState(), budget=8)
    assert walk_all(walk, board, set()) == list(range(1, 9))
    state = walk.state()
    assert state.head == page(board, 1)
    assert state.gaps == [Gap("/list/9", 9, None)]
    assert describe({"/list/1": state.to_dict()}) == "pending: 1 gap, resume at page 9"


def test_a_failed_page_leaves_a_gap_closed_by_the_next_walks():
    board, known = list(range(30, 0, -1)), set()
    first = ListWalk("/list/1", ListState(), budget=8)
    walk_all(first, board, known)
    assert first.state().gaps == []  # reached the end
    board = list(range(130, 0, -1))  # 100 new on top
    second = ListWalk("/list/1", first.state(), budget=8)
    assert walk_all(second, board, known, fail=5) == [1, 2, 3, 4]
    assert second.state().gaps == [Gap("/list/5", 5, page(list(range(30, 0, -1)), 1))]
    board = list(range(135, 0, -1))  # 5 more on top: pages shift
    third = ListWalk("/list/1", second.state(), budget=8)
    read = walk_all(third, board, known)
    assert read[:2] == [1, 5]  # page 1 holds the last head: top walk done, then the gap
    fourth = ListWalk("/list/1", third.state(), budget=8)
    walk_all(fourth, board, known)
    assert fourth.state().gaps == []
    assert known == {f"/m/{n}" for n in board}


def test_during_the_crawl_the_gap_resumes_at_the_first_unsettled_page():
    walk = ListWalk("/list/1", ListState(head=["/m/1"]), budget=8)
    for k in (1, 2, 3):
        walk.after_page(k, f"/list/{k}", [f"/m/{k}00"], 1, f"/list/{k + 1}")
    stored = {"/m/100", "/m/300"}  # page 2's item was still in flight
    state = walk.state(settled=lambda urls: all(u in stored for u in urls))
    assert state.gaps == [Gap("/list/2", 2, ["/m/1"])]
    assert walk.state().gaps == [Gap("/list/4", 4, ["/m/1"])]


def test_a_walk_carried_from_request_to_request_walks_as_one_kept_in_memory():
    """On a cluster each list page may be parsed by another worker: the walk travels in the
    next request's meta (pickled by the frontier), and continues exactly as one object."""
    import pickle

    board, known = list(range(30, 0, -1)), set()
    first = ListWalk("/list/1", ListState(), budget=8)
    walk_all(first, board, known)
    board = list(range(230, 0, -1))  # 200 new on top: deeper than the budget
    saved = first.state()

    def carried(walk: ListWalk) -> ListWalk:
        return ListWalk.from_dict(pickle.loads(pickle.dumps(walk.to_dict())))

    kept, moved = ListWalk("/list/1", saved, budget=8), ListWalk("/list/1", saved, budget=8)
    known_kept, known_moved = set(known), set(known)
    for fail in (5, None, None, None):  # a failed page, then the gap walks
        go_kept, go_moved = ("/list/1", 1), ("/list/1", 1)
        while go_kept is not None:
            assert go_moved == go_kept
            k = go_kept[1]
            if k == fail:
                kept.failed(k, go_kept[0])
                moved = carried(moved)
                moved.failed(k, go_moved[0])
                break
            items, more = page(board, k), k * 10 < len(board)
            args = (k, go_kept[0], items, sum(u not in known_kept for u in items))
            nxt = f"/list/{k + 1}" if more else None
            known_kept.update(items)
            known_moved.update(items)
            go_kept = kept.after_page(*args, nxt)
            moved = carried(moved)
            go_moved = moved.after_page(*args, nxt)
        assert go_moved == go_kept
        settled = lambda urls, stored=frozenset(known_kept): all(u in stored for u in urls)  # noqa: E731
        assert carried(moved).state(settled) == kept.state(settled)
        assert moved.state() == kept.state() and carried(moved).state() == kept.state()
        kept = ListWalk("/list/1", kept.state(), budget=8)
        moved = ListWalk("/list/1", moved.state(), budget=8)
    assert known_kept == known_moved == {f"/m/{n}" for n in board}  # the gaps were closed


def test_the_state_a_list_request_carries_stays_as_small_as_the_pages_in_flight():
    """A deep walk carries (on a cluster) the same few pages at page 1,000 as at page 10:
    pages whose items are all stored are dropped, not every page walked (O(pages²))."""
    import pickle

    board = list(range(100_000, 0, -1))
    walk = ListWalk("/list/1", ListState(head=["/m/0"]), budget=1_000)
    stored: set[str] = set()
    sizes, in_flight = {}, []
    go = ("/list/1", 1)
    while go is not None:
        k = go[1]
        items = page(board, k)
        go = walk.after_page(k, go[0], items, len(items), f"/list/{k + 1}")
        in_flight.append(items)
        if len(in_flight) > 3:  # the items of the pages three back are stored by now
            stored.update(in_flight.pop(0))
        state = walk.state(settled=lambda urls: all(u in stored for u in urls))
        assert state.gaps[0].page == max(1, k - 2)  # the first page not stored yet
        sizes[k] = len(pickle.dumps(ListWalk.from_dict(walk.to_dict()).to_dict()))
    assert len(sizes) == 1_000
    assert max(sizes[k] for k in range(10, 1_001)) <= 1.1 * sizes[10], (sizes[10], sizes[1000])

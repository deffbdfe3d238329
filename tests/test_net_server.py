"""The classroom's web server in process (Starlette's ASGI test client: real requests and
websockets through the app, the real game behind it): every page and action, the checks a
hostile classroom network needs, and the content each page shows."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
import segno
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from game.catalog import find_scenario
from game.loader import load_scenario
from game.net import classroom as C
from game.net.server import Bucket, ClassServer, is_local

PATH = Path(find_scenario("vladivostok-2019"))
SCENARIO = load_scenario(PATH)
BASE = "http://127.0.0.1:8000"
LOCAL = ("127.0.0.1", 50000)


def make(teams=("kim", "trump"), **settings):
    room = C.Classroom.new(PATH, SCENARIO, 7, teams=list(teams) if teams else None, **settings)
    server = ClassServer(room, BASE)
    return room, server


def client(server, address=LOCAL) -> TestClient:
    return TestClient(server.app, base_url=BASE, client=address)


def join(c: TestClient, room, actor: str) -> str:
    r = c.post("/join", data={"code": room.code, "actor": actor, "label": f"{actor} laptop"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/team"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    return r.cookies["summit_team"]


def socket(c: TestClient, token: str, path: str = "/ws", cookie: str = "summit_team"):
    return c.websocket_connect(path, headers={"cookie": f"{cookie}={token}"})


def until(ws, kind: str) -> dict:
    """Read messages until one of the given type (views pushed meanwhile are skipped)."""
    for _ in range(50):
        msg = ws.receive_json()
        if msg["type"] == kind:
            return msg
    raise AssertionError(f"no {kind} message")


def act(ws, **data) -> dict:
    ws.send_text(json.dumps({"type": "act", "data": data}))
    return until(ws, "ack")


def text_of(page: str) -> str:
    """What a reader sees: the text without tags, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


# --- pages -----------------------------------------------------------------------------------------


def test_joining_then_the_team_page_shows_the_leader_the_month_and_the_moves():
    room, server = make()
    with client(server) as c:
        page = c.get("/join?code=" + room.code)
        assert page.status_code == 200
        assert f'value="{room.code}"' in page.text
        assert "Kim Jong Un" in page.text and "Donald Trump" in page.text and "Xi Jinping" not in page.text  # the AI's
        bad = c.post("/join", data={"code": "NOPE", "actor": "kim"})
        assert bad.status_code == 400 and "That class code is not right" in bad.text
        join(c, room, "kim")
        team = c.get("/team")
        words = text_of(team.text)
        assert "Kim Jong Un Chairman of the State Affairs Commission, North Korea" in words
        assert "April 2019 (month 1 of 19)" in words and "Still deciding: Kim Jong Un, Donald Trump" in words
        for mv in room.bridge.moves("kim"):
            assert f'value="{mv.id}"' in team.text and mv.label in team.text
        assert "Wait Trump out (100% chance)" in words
        assert room.team_code("kim") in team.text
        assert team.headers["content-security-policy"].startswith("default-src 'self'")
        assert team.headers["x-content-type-options"] == "nosniff"
        assert 'src="/static/team.js"' in team.text and "http" not in re.sub(r'href="/|src="/', "", team.text.split("<main")[0]).replace("http-equiv", "")
        assert c.get("/static/team.js").status_code == 200 and c.get("/static/style.css").status_code == 200
        assert c.get("/").headers.get("location") is None  # followed: the team page again
        home = c.get("/", follow_redirects=False)
        assert home.headers["location"] == "/team"


def test_a_page_without_a_token_or_with_a_forged_one_goes_back_to_joining():
    room, server = make()
    with client(server) as c:
        assert "Join the class" in c.get("/team").text
        c.cookies.set("summit_team", "forged")
        r = c.get("/team")
        assert r.status_code == 401 and "team token is not known here" in r.text


def test_the_qr_code_is_the_join_address_with_the_class_code():
    room, server = make()
    with client(server) as c:
        svg = c.get("/qr.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    url = f"{BASE}/join?code={room.code}"
    assert svg.text == segno.make(url, error="m").svg_inline(scale=6, dark="#1b2733", title="Join the class")


# --- websockets ---------------------------------------------------------------------------------


def test_a_team_socket_gets_its_page_acts_and_sees_the_result():
    room, server = make()
    with client(server) as c:
        kim, trump = join(c, room, "kim"), join(c, room, "trump")
        with socket(c, kim) as ws:
            view = until(ws, "view")["sections"]
            assert set(view) == {"head", "act", "advice", "month", "talk", "compose", "results", "score", "brief"}
            assert "Confirm my move" in view["act"]
            ack = act(ws, action="choose", move="trump_letters", turn=0, aid="a" * 10)
            assert ack == {"type": "ack", "id": "a" * 10, "ok": False, "message": "That is not one of your moves this month."}
            ack = act(ws, action="choose", move="kim_wait", turn="0", aid="b" * 10)
            assert ack["ok"] and ack["message"] == "Confirmed: Wait Trump out."
            assert act(ws, action="choose", move="kim_wait", turn=0, aid="b" * 10)["message"].startswith("That action was already received")
            update = until(ws, "view")["sections"]
            assert "You chose: <strong>Wait Trump out</strong>" in update["act"]
            assert "Still deciding: Donald Trump" in text_of(update["head"])
            assert "kim_wait" not in update["head"]
            assert act(ws, action="launch", aid="c" * 10)["message"] == "Unknown action."
            ws.send_text("not json")
            assert until(ws, "ack")["message"] == "That message is not understood."
            ws.send_text(json.dumps({"type": "act", "data": {"action": "send", "text": "x" * 9000}}))
            assert until(ws, "ack")["message"] == "That message is too long."
        with socket(c, trump) as ws:
            assert "Confirm my move" in until(ws, "view")["sections"]["act"]
            assert act(ws, action="choose", move="trump_letters", turn=0, aid="d" * 10)["ok"]
        assert room.phase in (C.ANSWERING, C.RESULTS)


def test_text_from_a_team_is_escaped_on_every_page():
    room, server = make()
    with client(server) as c:
        kim, trump = join(c, room, "kim"), join(c, room, "trump")
        with socket(c, kim) as ws:
            ack = act(ws, action="send", to="trump", text='<img src=x onerror="alert(1)"> & "hi"', aid="e" * 10)
            assert ack["ok"] and ack["message"] == "Sent to Donald Trump."
        with socket(c, trump) as ws:
            talk = until(ws, "view")["sections"]["talk"]
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; &#34;hi&#34;" in talk and "<img" not in talk
        c.cookies.set("summit_team", trump)
        assert "<img src=x" not in c.get("/team").text


def test_forms_work_without_javascript():
    room, server = make()
    with client(server) as c:
        join(c, room, "kim")
        page = c.post("/team/act", data={"action": "choose", "move": "kim_wait", "turn": "0", "aid": "f" * 12})
        assert page.status_code == 200 and "Confirmed: Wait Trump out." in page.text
        again = c.post("/team/act", data={"action": "choose", "move": "kim_wait", "turn": "0", "aid": "f" * 12})
        assert again.status_code == 400 and "already received" in again.text
        sent = c.post("/team/act", data={"action": "send", "to": "trump", "text": "hello", "aid": "g" * 12})
        assert "Sent to Donald Trump." in sent.text


def wait_for_section(ws, name: str, test, limit: float = 60.0) -> str:
    """Read pushed views until a section passes `test` (bounded: at most `limit` seconds)."""
    import time

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        msg = ws.receive_json()
        if msg["type"] == "view" and name in msg["sections"] and test(msg["sections"][name]):
            return msg["sections"][name]
    raise AssertionError(f"the {name} section never showed what was expected")


def test_the_team_page_explains_the_brief_the_advisor_the_results_and_the_score():
    """What a team reads, checked against the game-side modules computed here on their own."""
    from game import advisor, briefs, explain, scorecard

    room, server = make()
    with client(server) as c:
        kim, trump = join(c, room, "kim"), join(c, room, "trump")
        with socket(c, kim) as ws:
            first = until(ws, "view")["sections"]
            brief = briefs.brief(room.bridge.state, "kim")
            words = text_of(first["brief"])
            assert "Your goals, strongest first" in words and brief.goals[0].words in words
            assert f"{brief.goals[0].share:.0%} of what is at stake" in words
            assert all(p in words for p in brief.powers) and brief.horizon[0] in words
            assert "Ask for relief first' happens only if Donald Trump accepts it" in words
            # the advisor's forecast arrives once computed (off the lock), the same as advise() gives here
            table = wait_for_section(ws, "advice", lambda html: "<table" in html)
            expected = advisor.advise(room.bridge.state, "kim")
            rows = re.findall(r'<th scope="row">([^<]+)</th><td>([^ ]+) ', table)
            assert rows == [(f.label, f"{f.value:+.2f}") for f in expected.forecasts]
            assert "the best" in table and f"{expected.rollouts} times" in text_of(table)
            assert act(ws, action="choose", move="kim_wait", turn=0, aid="k" * 12)["ok"]
        with socket(c, trump) as ws:
            assert act(ws, action="choose", move="trump_letters", turn=0, aid="t" * 12)["ok"]
            for q in list(room.unanswered("trump")):
                act(ws, action="answer", kind=q.kind, proposer=q.proposer, move=q.move_id, yes="0", turn=0, aid="q" * 12)
        if room.phase == C.ANSWERING:  # a question to kim: time runs out on it
            room.end_wait()
        assert room.phase == C.RESULTS
        view = server.render("kim")
        st = room.bridge.state
        record = st.records[0]
        results = text_of(view["results"])
        for reason in explain.reasons(st, record):
            assert f"{reason.name} : {reason.label} — {reason.result.upper()}" in results and reason.words in results
        biggest = explain.what_moved(st, record, room.bridge.closes()[-1])[0]
        assert "What moved the most, and why" in results and biggest.label in results
        assert biggest.parts[0][0] in results
        score = view["score"]
        assert f"Points so far: <strong>{st.scores()['kim']:.2f}</strong>" in score
        points = [float(x) for x in re.findall(r'</th><td>([+-][0-9.]+)</td>', score)]
        card = scorecard.breakdown(room.game, st.records, room.bridge.closes())["kim"]
        assert len(points) == len(card) and abs(sum(points) - st.scores()["kim"]) < 0.01 * len(points)
        assert "advisor" in view["advice"] and "<table" not in view["advice"]  # no forecast outside choosing


def test_the_teacher_downloads_the_class_game_with_the_conversation():
    from game import export

    room, server = make()
    with client(server) as c:
        kim = join(c, room, "kim")
        c.cookies.set("summit_team", kim)
        c.post("/team/act", data={"action": "send", "to": "trump", "text": "=cmd|' /C calc'!A0", "aid": "s" * 12})
        assert c.get("/teacher/export/class-game.json").status_code == 403  # a team cannot
        c.get(f"/teacher?key={room.teacher_key}")
        room.end_wait()
        room.end_wait()
        assert room.phase == C.RESULTS
        r = c.get("/teacher/export/class-game.json")
        assert r.status_code == 200 and 'filename="vladivostok-2019-class-game.json"' in r.headers["content-disposition"]
        data = r.json()
        assert data == json.loads(json.dumps(room.export())) and data["months_played"] == 1
        assert data["conversation"][0]["text"] == "=cmd|' /C calc'!A0" and data["teams"] == ["kim", "trump"]
        assert c.get("/teacher/export/class-game.csv").text == export.csv_text(room.export())
        convo = c.get("/teacher/export/conversation.csv").text
        assert "'=cmd" in convo and "\n=cmd" not in convo  # a formula is defused for spreadsheets
        assert c.get("/teacher/export/passwords.txt").status_code == 404
        assert "class-game.csv" in c.get("/teacher").text


# --- a hostile classroom network ---------------------------------------------------------------------


def test_only_the_local_network_is_served():
    assert is_local("127.0.0.1") and is_local("::1") and is_local("192.168.4.20") and is_local("10.0.0.7")
    assert is_local("169.254.3.3") and is_local("::ffff:192.168.1.2")
    assert not is_local("203.0.113.5") and not is_local("8.8.8.8") and not is_local("testclient") and not is_local("")
    room, server = make()
    with client(server, ("203.0.113.5", 4000)) as c:
        r = c.get("/join")
        assert r.status_code == 403 and "only devices on the local network" in r.text
        with pytest.raises(WebSocketDisconnect) as closed:
            with c.websocket_connect("/ws"):
                pass
        assert closed.value.code == 1008


def test_posts_and_sockets_from_another_site_are_refused():
    room, server = make()
    with client(server) as c:
        token = join(c, room, "kim")
        r = c.post("/team/act", data={"action": "choose", "move": "kim_wait", "turn": "0", "aid": "h" * 12},
                   headers={"origin": "http://evil.example"})
        assert r.status_code == 403 and "another site" in r.text
        assert room.month.choices == {}
        with pytest.raises(WebSocketDisconnect) as closed:
            with c.websocket_connect("/ws", headers={"cookie": f"summit_team={token}", "origin": "http://evil.example"}):
                pass
        assert closed.value.code == 1008
        ok = c.post("/team/act", data={"action": "send", "to": "trump", "text": "hi", "aid": "i" * 12},
                    headers={"origin": BASE})
        assert ok.status_code == 200
        big = c.post("/team/act", content=b"a=" + b"x" * 9000, headers={"content-type": "application/x-www-form-urlencoded"})
        assert big.status_code == 403 and "too large" in big.text


def test_joining_and_messages_are_rate_limited():
    room, server = make()
    with client(server) as c:
        joined = [c.post("/join", data={"team_code": room.team_code("kim"), "label": f"d{k}"}, follow_redirects=False)
                  for k in range(30)]  # a class joins from many devices: right codes are never limited
        assert [r.status_code for r in joined] == [303] * 30 and len(room.devices) == 30
        codes = [c.post("/join", data={"code": "WRONG", "actor": "kim"}).status_code for _ in range(12)]
        assert codes[:10] == [400] * 10 and codes[10:] == [429, 429]
        late = c.post("/join", data={"team_code": room.team_code("kim")}, follow_redirects=False)
        assert late.status_code == 429 and "Too many wrong tries" in late.text
    room, server = make()
    with client(server) as c:
        kim = join(c, room, "kim")
        with socket(c, kim) as ws:
            said = [act(ws, action="send", to="trump", text=f"spam {k}", aid=f"spam-{k:05d}")["message"] for k in range(7)]
    assert said[:5] == ["Sent to Donald Trump."] * 5
    assert said[5].startswith("Slow down")
    assert len(room.notes) == 5


@pytest.mark.parametrize("takeover", [True, False])
def test_a_second_page_with_the_same_token_takes_over_or_is_refused(takeover):
    room, server = make()
    room.set_takeover(takeover)
    with client(server) as c:
        kim = join(c, room, "kim")
        with socket(c, kim) as first:
            until(first, "view")
            with socket(c, kim) as second:
                if takeover:
                    assert until(first, "closed")["message"] == "This team's page was opened on another device or tab."
                    assert until(second, "view")
                    assert act(second, action="choose", move="kim_wait", turn=0, aid="j" * 10)["ok"]
                else:
                    assert "refuse a second one" in until(second, "closed")["message"]
                    assert act(first, action="choose", move="kim_wait", turn=0, aid="k" * 10)["ok"]


# --- the teacher -----------------------------------------------------------------------------------------


def test_the_moderator_view_needs_the_teachers_key_and_sees_everything():
    room, server = make(teams=None)
    with client(server) as c:
        assert c.get("/teacher").status_code == 403
        assert c.get("/teacher?key=guess").status_code == 403
        assert c.post("/teacher/act", data={"action": "start"}).status_code == 403
        kim = join(c, room, "kim")
        trump = join(c, room, "trump")
        with socket(c, kim) as ws:
            act(ws, action="send", to="trump", text="A private word", aid="l" * 10)
        r = c.get(f"/teacher?key={room.teacher_key}", follow_redirects=False)
        assert r.status_code == 303 and "summit_teacher" in r.headers["set-cookie"]
        page = c.get("/teacher")
        words = text_of(page.text)
        assert "A private word" in words and room.team_code("kim") in page.text and "Start the game" in words
        with socket(c, room.teacher_key, "/teacher/ws", "summit_teacher") as ws:
            board = until(ws, "view")["sections"]["board"]
            assert "kim laptop (online)" not in board  # no team page is open now
            assert act(ws, action="start")["message"] == "The game has started."
            assert room.bridge.humans == ["kim", "trump"]
            assert act(ws, action="mute", target="kim", on="1")["message"] == "Messages paused for Kim Jong Un."
            assert act(ws, action="next")["message"].startswith("The month's results are not on the table")
            assert "Set off an event now" in server.render(None)["board"]
            outcome, words = room.bridge.random_events()[0]
            assert act(ws, action="inject", outcome=outcome)["message"] == f"Set off: {words}. Every team chooses again."
            assert act(ws, action="again", actor="kim")["message"].startswith("Only a move confirmed this month")
            assert act(ws, action="end_wait")["ok"] and room.phase in (C.ANSWERING, C.RESULTS)
            assert act(ws, action="announce", text="Five minutes left", aid="m" * 10)["ok"]
        with socket(c, kim) as ws:
            view = until(ws, "view")["sections"]
            assert "The teacher has paused messages" in view["compose"] and "Five minutes left" in view["talk"]
            assert act(ws, action="send", to="trump", text="hello", aid="n" * 10)["message"].startswith(
                "The teacher has paused your team")
        c.post("/teacher/act", data={"action": "drop", "token": trump})
        c.cookies.set("summit_team", trump)
        assert c.get("/team").status_code == 401


def test_a_whole_game_over_websockets_ends_with_the_verdicts():
    room, server = make(teams=("kim",))
    server.frames = Bucket(rate=1000, burst=1000)  # a test plays faster than any team
    with client(server) as c:
        kim = join(c, room, "kim")
        c.get(f"/teacher?key={room.teacher_key}")
        with socket(c, kim) as ws, socket(c, room.teacher_key, "/teacher/ws", "summit_teacher") as teacher:
            until(ws, "view")
            n = 0
            while room.phase != C.OVER:
                turn = room.month.turn
                if room.phase == C.CHOOSING and "kim" in room.month.pending:
                    said = act(ws, action="choose", move="kim_wait", turn=turn, aid=f"move-{turn:04d}")
                    assert said["ok"], said
                for q in room.unanswered("kim"):
                    assert act(ws, action="answer", kind=q.kind, proposer=q.proposer, move=q.move_id, yes="0",
                               turn=turn, aid=f"ans-{turn:04d}-{n:03d}")["ok"]
                    n += 1
                if room.phase == C.RESULTS:
                    assert act(teacher, action="next")["ok"]
        assert room.bridge.turn == 19
        final = server.render("kim")
        assert "The game is over." in final["act"] and "Kim Jong Un" in final["score"]
        assert room.bridge.verdicts()["kim"] in text_of(final["act"]) or "points" in final["score"]

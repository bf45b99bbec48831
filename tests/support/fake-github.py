#!/usr/bin/env python3
"""A tiny fake GitHub (the GraphQL API gh 2.23 uses) on a Unix socket.

It lets the REAL `gh` run in tests with no network, DNS or TLS: gh's
`http_unix_socket` setting sends every HTTP request over a Unix socket as plain
HTTP/1.1 (gh dials the socket for TLS connections too, without TLS).

Usage:
    fake-github.py --socket PATH --state FILE --log FILE [--idle SECONDS]

Point gh at it with, in the environment of every gh call:
    GH_CONFIG_DIR=<dir whose config.yml says `http_unix_socket: PATH`>
    GH_TOKEN=x  GH_HOST=github.com  GH_PROMPT_DISABLED=1  NO_COLOR=1

It prints `ready` on stdout once the socket listens. It exits by itself after
`--idle` seconds (default 120) without a request, or when its parent exits.

Every request is appended to the log file as one JSON line
    {"method", "path", "operation", "variables", "query", "status"}
(unknown REST requests also carry "body"), and anything it does not know gets a loud HTTP 500 with a GraphQL error naming
the operation, so a new gh query shows up in the test failure and in the log.
gh 2.23 needs only GraphQL for issue create, issue list --search (IssueSearch),
pr create/edit/view/list (no REST);
`GET /` is answered for gh versions that probe it.

State (JSON, rewritten after every change, for assertions):
    {"repos": {"OWNER/NAME": {"next": N,
        "issues": [{"number", "title", "body", "url"}],
        "pulls":  [{"number", "title", "body", "url", "head", "base", "draft",
                    "state": "OPEN|CLOSED|MERGED", "mergedAt": null|ISO,
                    optional: "checks": [{"__typename": "CheckRun", "name", "status",
                    "conclusion"} | {"__typename": "StatusContext", "context", "state"}],
                    "reviewDecision": "APPROVED|CHANGES_REQUESTED|REVIEW_REQUIRED",
                    "mergeable": "MERGEABLE|CONFLICTING|UNKNOWN" (default MERGEABLE)}]}}}
Issues and pull requests share one number sequence per repository, like
GitHub. Repositories exist as soon as they are asked for (default branch main).
"""

import argparse
import http.server
import json
import os
import re
import socketserver
import sys
import threading
import time

HOST_URL = "https://github.com"
LOCK = threading.Lock()
ARGS = None
LAST_ACTIVITY = [time.monotonic()]


def load():
    try:
        with open(ARGS.state) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"repos": {}}


def save(state):
    tmp = ARGS.state + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f, indent=2, sort_keys=True)
    os.replace(tmp, ARGS.state)


def log(entry):
    with open(ARGS.log, "a") as f:
        f.write(json.dumps(entry, sort_keys=True) + "\n")


def repo_of(state, owner, name):
    slug = f"{owner}/{name}"
    return slug, state["repos"].setdefault(slug, {"next": 1, "issues": [], "pulls": []})


def node_id(kind, slug, number=None):
    # Node ids are opaque to gh; ours are readable and reversible.
    return f"{kind}:{slug}" + ("" if number is None else f"#{number}")


def parse_node(node):
    kind, _, rest = node.partition(":")
    slug, _, number = rest.partition("#")
    return kind, slug, int(number) if number else None


def repository(slug):
    owner, name = slug.split("/", 1)
    repo = {
        "id": node_id("R", slug),
        "name": name,
        "owner": {"login": owner},
        "hasIssuesEnabled": True,
        "description": "",
        "hasWikiEnabled": False,
        "viewerPermission": "WRITE",
        "defaultBranchRef": {"name": "main"},
        "isPrivate": False,
        "url": f"{HOST_URL}/{slug}",
    }
    return repo


def pull_json(slug, pr):
    owner, name = slug.split("/", 1)
    return {
        "id": node_id("PR", slug, pr["number"]),
        "number": pr["number"],
        "url": pr["url"],
        "title": pr["title"],
        "body": pr["body"],
        "state": pr["state"],
        "isDraft": pr["draft"],
        "closed": pr["state"] != "OPEN",
        "mergedAt": pr["mergedAt"],
        "headRefName": pr["head"],
        "baseRefName": pr["base"],
        "headRepositoryOwner": {"login": owner},
        "headRepository": {"id": node_id("R", slug), "name": name},
        "isCrossRepository": False,
        "maintainerCanModify": False,
        "author": {"login": "tester"},
        "assignees": {"nodes": [], "totalCount": 0},
        "labels": {"nodes": [], "totalCount": 0},
        "projectCards": {"nodes": [], "totalCount": 0},
        "projectItems": {"nodes": [], "totalCount": 0},
        "milestone": None,
        "reviewRequests": {"nodes": [], "totalCount": 0},
        # What `gh pr view --json reviewDecision,mergeable,statusCheckRollup` reads:
        # gh asks for the checks of the last commit, as
        # commits(last: 1) { nodes { commit { statusCheckRollup { contexts { nodes }}}}}.
        "reviewDecision": pr.get("reviewDecision") or None,
        "mergeable": pr.get("mergeable", "MERGEABLE"),
        "statusCheckRollup": {
            "nodes": [
                {
                    "commit": {
                        "oid": "0" * 40,
                        "statusCheckRollup": {
                            "contexts": {
                                "nodes": pr.get("checks", []),
                                "pageInfo": {"hasNextPage": False, "endCursor": ""},
                            }
                        },
                    }
                }
            ]
        },
    }


class GraphQLError(Exception):
    pass


def graphql(operation, variables):
    """The `data` for one GraphQL request, or raise GraphQLError."""
    state = load()
    v = variables or {}
    if operation == "RepositoryInfo":
        slug, _ = repo_of(state, v["owner"], v["name"])
        repo = repository(slug)
        repo.update(parent=None, mergeCommitAllowed=True, rebaseMergeAllowed=True, squashMergeAllowed=True)
        save(state)
        return {"repository": repo}
    if operation == "IssueCreate":
        inp = v["input"]
        kind, slug, _ = parse_node(inp["repositoryId"])
        if kind != "R":
            raise GraphQLError(f"IssueCreate: unknown repositoryId {inp['repositoryId']!r}")
        owner, name = slug.split("/", 1)
        _, repo = repo_of(state, owner, name)
        number = repo["next"]
        repo["next"] += 1
        url = f"{HOST_URL}/{slug}/issues/{number}"
        repo["issues"].append({"number": number, "title": inp["title"], "body": inp.get("body", ""), "url": url})
        save(state)
        return {"createIssue": {"issue": {"id": node_id("I", slug, number), "number": number, "url": url}}}
    if operation == "IssueSearch":
        # `gh issue list --search Q` searches `Q repo:O/R type:issue` (plus
        # `state:` unless --state all); phrases and words must all be found.
        slug, repo = repo_of(state, v["owner"], v["repo"])
        terms, where = [], set()
        for m in re.finditer(r'"([^"]*)"|(\S+)', v["query"]):
            phrase, word = m.group(1), m.group(2)
            if phrase is not None:
                terms.append(phrase.lower())
            elif word.startswith("in:"):
                where.add(word[3:])
            elif word == f"repo:{slug}" or word in ("type:issue", "is:issue"):
                pass
            elif ":" in word:
                raise GraphQLError(f"fake-github: unsupported search qualifier {word!r}")
            else:
                terms.append(word.lower())
        where = where or {"title", "body"}
        found = [
            {"url": i["url"], "body": i["body"], "title": i["title"], "number": i["number"]}
            for i in sorted(repo["issues"], key=lambda i: -i["number"])
            if all(t in " ".join(i[w] for w in sorted(where)).lower() for t in terms)
        ][: v.get("limit") or 30]
        return {
            "repository": {"hasIssuesEnabled": True},
            "search": {
                "issueCount": len(found),
                "nodes": found,
                "pageInfo": {"hasNextPage": False, "endCursor": ""},
            },
        }
    if operation == "PullRequestForBranch":
        slug, repo = repo_of(state, v["owner"], v["repo"])
        found = [
            pull_json(slug, pr)
            for pr in repo["pulls"]
            if pr["head"] == v["headRefName"] and pr["state"] in v.get("states", ["OPEN"])
            and ("baseRefName" not in v or pr["base"] == v["baseRefName"])
        ]
        return {"repository": {"pullRequests": {"nodes": found}}}
    if operation == "PullRequestCreate":
        inp = v["input"]
        kind, slug, _ = parse_node(inp["repositoryId"])
        if kind != "R":
            raise GraphQLError(f"PullRequestCreate: unknown repositoryId {inp['repositoryId']!r}")
        owner, name = slug.split("/", 1)
        _, repo = repo_of(state, owner, name)
        head = inp["headRefName"].split(":")[-1]
        if any(p["head"] == head and p["base"] == inp["baseRefName"] and p["state"] == "OPEN" for p in repo["pulls"]):
            raise GraphQLError(f"A pull request already exists for {owner}:{head}.")
        number = repo["next"]
        repo["next"] += 1
        pr = {
            "number": number,
            "title": inp["title"],
            "body": inp.get("body", ""),
            "url": f"{HOST_URL}/{slug}/pull/{number}",
            "head": head,
            "base": inp["baseRefName"],
            "draft": bool(inp.get("draft", False)),
            "state": "OPEN",
            "mergedAt": None,
        }
        repo["pulls"].append(pr)
        save(state)
        return {"createPullRequest": {"pullRequest": pull_json(slug, pr)}}
    if operation == "PullRequestByNumber":
        slug, repo = repo_of(state, v["owner"], v["repo"])
        for pr in repo["pulls"]:
            if pr["number"] == v["pr_number"]:
                return {"repository": {"pullRequest": pull_json(slug, pr)}}
        raise GraphQLError(f"Could not resolve to a PullRequest with the number of {v['pr_number']}.")
    if operation == "PullRequestProjectItems":
        return {"repository": {"pullRequest": {"projectItems": {"nodes": [], "pageInfo": {"hasNextPage": False, "endCursor": ""}}}}}
    if operation == "PullRequestUpdate":
        inp = v["input"]
        kind, slug, number = parse_node(inp["pullRequestId"])
        owner, name = slug.split("/", 1)
        _, repo = repo_of(state, owner, name)
        for pr in repo["pulls"]:
            if kind == "PR" and pr["number"] == number:
                if "title" in inp:
                    pr["title"] = inp["title"]
                if "body" in inp:
                    pr["body"] = inp["body"]
                save(state)
                # gh 2.23 selects only `updatePullRequest(input: $input){__typename}`.
                return {"updatePullRequest": {"__typename": "UpdatePullRequestPayload"}}
        raise GraphQLError(f"PullRequestUpdate: unknown pullRequestId {inp['pullRequestId']!r}")
    if operation == "PullRequestList":
        slug, repo = repo_of(state, v["owner"], v["repo"])
        states = v.get("state") or ["OPEN"]
        found = [
            pull_json(slug, pr)
            for pr in sorted(repo["pulls"], key=lambda p: -p["number"])
            if pr["state"] in states
            and ("headBranch" not in v or pr["head"] == v["headBranch"])
            and ("baseBranch" not in v or pr["base"] == v["baseBranch"])
        ]
        return {
            "repository": {
                "pullRequests": {
                    "totalCount": len(found),
                    "nodes": found,
                    "pageInfo": {"hasNextPage": False, "endCursor": ""},
                }
            }
        }
    raise GraphQLError(f"fake-github: unsupported GraphQL operation {operation!r}")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # the JSON log replaces the default stderr log
        pass

    def address_string(self):  # Unix sockets have no peer address
        return "unix"

    def reply(self, status, payload, entry):
        data = json.dumps(payload).encode()
        entry["status"] = status
        log(entry)
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Oauth-Scopes", "repo, read:org")
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        LAST_ACTIVITY[0] = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        entry = {"method": self.command, "path": self.path, "operation": None, "variables": None}
        if self.command == "POST" and self.path.split("?")[0] in ("/graphql", "/api/graphql"):
            try:
                request = json.loads(raw or b"{}")
            except ValueError as e:
                return self.reply(400, {"message": f"fake-github: bad JSON: {e}"}, entry)
            query = request.get("query", "")
            match = re.search(r"\b(?:query|mutation)\s+(\w+)", query)
            operation = match.group(1) if match else "<anonymous>"
            entry.update(operation=operation, variables=request.get("variables"), query=query)
            try:
                with LOCK:
                    data = graphql(operation, request.get("variables"))
            except GraphQLError as e:
                status = 500 if "unsupported" in str(e) else 200
                return self.reply(status, {"data": None, "errors": [{"type": "FAKE", "message": str(e)}]}, entry)
            except (KeyError, TypeError, ValueError) as e:
                msg = f"fake-github: cannot handle {operation}: {type(e).__name__}: {e}"
                return self.reply(500, {"data": None, "errors": [{"message": msg}]}, entry)
            return self.reply(200, {"data": data}, entry)
        if self.command == "GET" and self.path.split("?")[0] in ("/", "/api/v3", "/api/v3/"):
            return self.reply(200, {}, entry)
        entry["body"] = raw.decode("utf-8", "replace")
        msg = f"fake-github: unsupported request {self.command} {self.path}"
        return self.reply(500, {"message": msg, "errors": [{"message": msg}]}, entry)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = handle_any


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--idle", type=float, default=120.0)
    ARGS = parser.parse_args()
    parent = os.getppid()
    try:
        os.unlink(ARGS.socket)
    except FileNotFoundError:
        pass
    if not os.path.exists(ARGS.state):
        save({"repos": {}})
    server = Server(ARGS.socket, Handler)
    server.timeout = 0.5
    print("ready", flush=True)
    try:
        while time.monotonic() - LAST_ACTIVITY[0] < ARGS.idle and os.getppid() == parent:
            server.handle_request()
    finally:
        server.server_close()
        try:
            os.unlink(ARGS.socket)
        except FileNotFoundError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

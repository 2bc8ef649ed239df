"""Write the tracker fixtures: the same eight incidents in every format the readers take.

    python tests/io/data/trackers/make_fixtures.py

The incidents are defined once, below, in UTC; each writer renders them the way its
tool's REST API or export does (see README.md in this folder for the documents each
shape follows).  Only the standard library is used: the fixtures do not depend on the
code they test.  The output is deterministic; the files are committed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
from pathlib import Path

HERE = Path(__file__).parent
UTC = dt.timezone.utc
STAGES = ["New", "Triage", "In Progress", "Resolved", "Closed"]
JIRA_SITE = "https://example.atlassian.net"
JIRA_SERVER = "https://jira.example.com"
ADO = "https://dev.azure.com/contoso/Support"

# key, ADO id, summary, class of service, customer, assignee, resolution,
# [(status, UTC instant)] from creation on, [(flag set, flag cleared or None)]
INCIDENTS = [
    ("INC-101", 4101, "VPN drops every hour", "Standard", "Acme Corp", "Ada Lovelace", "Fixed",
     [("New", "2024-03-04T09:15:27.350"), ("Triage", "2024-03-04T09:40"),
      ("In Progress", "2024-03-04T13:05"), ("Resolved", "2024-03-05T10:20"),
      ("Closed", "2024-03-08T10:20")],
     [("2024-03-04T15:00", "2024-03-05T09:00")]),
    ("INC-102", 4102, "Invoices show the wrong VAT", "Expedite", "Globex", "Grace Hopper",
     "Fixed",
     [("New", "2024-03-04T11:02"), ("Triage", "2024-03-04T11:30"),
      ("In Progress", "2024-03-06T08:00"), ("Triage", "2024-03-06T16:45"),
      ("In Progress", "2024-03-07T09:10"), ("Resolved", "2024-03-11T17:30")],
     []),
    ("INC-103", 4103, "Password reset mail not sent", "Fixed Date", "Initech", "Ada Lovelace",
     "Fixed",
     [("New", "2024-03-05T08:45"), ("In Progress", "2024-03-05T14:00"),
      ("Resolved", "2024-03-06T11:15"), ("Closed", "2024-03-09T11:15")],
     []),
    ("INC-104", 4104, "Printer on floor 3 offline", "Standard", "Acme Corp", None, None,
     [("New", "2024-03-06T10:30"), ("Triage", "2024-03-06T10:50")],
     []),
    ("INC-105", 4105, "Export to CSV times out", "Standard", "Umbrella", "Grace Hopper", None,
     [("New", "2024-03-07T07:55"), ("Triage", "2024-03-07T08:20"),
      ("In Progress", "2024-03-08T09:00"), ("Waiting for customer", "2024-03-08T15:00"),
      ("In Progress", "2024-03-11T10:00")],
     [("2024-03-08T15:00", None)]),
    ("INC-106", 4106, "Dashboard totals off by one", "Expedite", "Initech", "Katherine Johnson",
     "Fixed",
     [("New", "2024-03-08T13:00"), ("Triage", "2024-03-08T13:30"),
      ("In Progress", "2024-03-08T16:00"), ("Resolved", "2024-03-11T09:00"),
      ("In Progress", "2024-03-12T08:30"), ("Resolved", "2024-03-13T15:45"),
      ("Closed", "2024-03-16T15:45")],
     []),
    ("INC-107", 4107, "Duplicate of the VPN report", "Standard", "Globex", None, "Duplicate",
     [("New", "2024-03-08T14:10"), ("Closed", "2024-03-08T14:25")],
     []),
    ("INC-108", 4108, "Laptop request for a new starter", "Standard", "Acme Corp",
     "Ada Lovelace", None,
     [("Triage", "2024-03-09T09:00")],
     []),
]  # fmt: skip

# Each incident's tracker users.
ACCOUNTS = {
    "Ada Lovelace": ("557058:1f2e3d4c-0001", "ada", "ada@example.com"),
    "Grace Hopper": ("557058:1f2e3d4c-0002", "grace", "grace@example.com"),
    "Katherine Johnson": ("557058:1f2e3d4c-0003", "katherine", "katherine@example.com"),
    "Service Desk Bot": ("557058:1f2e3d4c-0009", "sdbot", "bot@example.com"),
}
STATUS_IDS = {
    "New": "10000",
    "Triage": "10001",
    "In Progress": "3",
    "Resolved": "5",
    "Closed": "6",
    "Waiting for customer": "10002",
}


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def jira_time(instant: dt.datetime, offset_hours: int) -> str:
    """Jira's form: local time with milliseconds and a +hhmm offset."""
    local = instant.astimezone(dt.timezone(dt.timedelta(hours=offset_hours)))
    sign = "+" if offset_hours >= 0 else "-"
    ms = local.microsecond // 1000
    return f"{local:%Y-%m-%dT%H:%M:%S}.{ms:03d}{sign}{abs(offset_hours):02d}00"


def ado_time(instant: dt.datetime) -> str:
    """Azure DevOps' form: UTC, fraction trimmed, Z."""
    text = f"{instant:%Y-%m-%dT%H:%M:%S}"
    if instant.microsecond:
        text += f".{instant.microsecond // 1000:03d}".rstrip("0")
    return text + "Z"


# ------------------------------------------------------------------------- events CSV
def events_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["item", "state", "at", "class_of_service", "customer", "assignee", "resolution"]
    )
    for key, _, _, cos, customer, assignee, resolution, statuses, _ in INCIDENTS:
        for status, at in statuses:
            stamp = utc(at).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            writer.writerow([key, status, stamp, cos, customer, assignee or "", resolution or ""])
    return out.getvalue()


# ------------------------------------------------------------------------------- Jira
def jira_user(name: str | None, *, cloud: bool) -> dict[str, object] | None:
    if name is None:
        return None
    account, login, mail = ACCOUNTS[name]
    if cloud:  # Cloud: accountId, no name or key (GDPR); e-mail often hidden
        return {
            "self": f"{JIRA_SITE}/rest/api/3/user?accountId={account}",
            "accountId": account,
            "displayName": name,
            "active": True,
            "timeZone": "Australia/Sydney",
            "accountType": "atlassian",
        }
    return {
        "self": f"{JIRA_SERVER}/rest/api/2/user?username={login}",
        "name": login,
        "key": f"JIRAUSER{10000 + len(login)}",
        "emailAddress": mail,
        "displayName": name,
        "active": True,
        "timeZone": "Europe/Berlin",
    }


def option(value: str, option_id: int, site: str) -> dict[str, object]:
    return {
        "self": f"{site}/rest/api/2/customFieldOption/{option_id}",
        "value": value,
        "id": str(option_id),
    }


def status_object(name: str, site: str) -> dict[str, object]:
    category = {"New": 2, "Triage": 2, "Resolved": 3, "Closed": 3}.get(name, 4)
    return {
        "self": f"{site}/rest/api/2/status/{STATUS_IDS[name]}",
        "description": "",
        "name": name,
        "id": STATUS_IDS[name],
        "statusCategory": {
            "id": category,
            "key": {2: "new", 3: "done", 4: "indeterminate"}[category],
        },
    }


def jira_histories(incident: tuple, *, cloud: bool, offset: int) -> list[dict[str, object]]:
    """The changelog: status changes, the flag, assignment, resolution and rank noise."""
    key, _, _, _, _, assignee, resolution, statuses, flags = incident
    changes: list[tuple[dt.datetime, list[dict[str, object]]]] = []

    def item(
        field: str,
        field_id: str,
        before: str | None,
        after: str | None,
        fieldtype: str = "jira",
        raw: tuple[str | None, str | None] = (None, None),
    ):
        entry: dict[str, object] = {"field": field, "fieldtype": fieldtype}
        if cloud:
            entry["fieldId"] = field_id
        entry.update({"from": raw[0], "fromString": before, "to": raw[1], "toString": after})
        return entry

    for (before, _), (after, at) in itertools.pairwise(statuses):
        items = [
            item("status", "status", before, after, raw=(STATUS_IDS[before], STATUS_IDS[after]))
        ]
        if after in ("Resolved", "Closed") and resolution and before not in ("Resolved",):
            items.append(item("resolution", "resolution", None, resolution, raw=(None, "1")))
        if before == "Resolved" and after == "In Progress":
            items.append(item("resolution", "resolution", resolution, None, raw=("1", None)))
        changes.append((utc(at), items))
    for start, end in flags:
        flag_raw = "[10019]"
        changes.append(
            (
                utc(start),
                [
                    item(
                        "Flagged",
                        "customfield_10021",
                        None,
                        "Impediment",
                        "custom",
                        (None, flag_raw),
                    )
                ],
            )
        )
        if end is not None:
            changes.append(
                (
                    utc(end),
                    [
                        item(
                            "Flagged",
                            "customfield_10021",
                            "Impediment",
                            None,
                            "custom",
                            (flag_raw, None),
                        )
                    ],
                )
            )
    created = utc(statuses[0][1])
    if assignee is not None:  # assigned a few minutes after creation
        login = ACCOUNTS[assignee][0 if cloud else 1]
        changes.append(
            (
                created + dt.timedelta(minutes=3),
                [item("assignee", "assignee", None, assignee, raw=(None, login))],
            )
        )
    changes.append(
        (
            created + dt.timedelta(minutes=1),
            [item("Rank", "customfield_10019", None, "Ranked higher", "custom")],
        )
    )
    changes.sort(key=lambda c: c[0])
    out = []
    for k, (at, items) in enumerate(changes):
        author = "Service Desk Bot" if k == 0 else (assignee or "Grace Hopper")
        out.append(
            {
                "id": str(int(key.split("-")[1]) * 100 + k),
                "author": jira_user(author, cloud=cloud),
                "created": jira_time(at, offset),
                "items": items,
            }
        )
    return out


def jira_issue(incident: tuple, *, cloud: bool, offset: int, newest_first: bool) -> dict:
    key, _, summary, cos, customer, assignee, resolution, statuses, _ = incident
    site = JIRA_SITE if cloud else JIRA_SERVER
    number = int(key.split("-")[1])
    histories = jira_histories(incident, cloud=cloud, offset=offset)
    if newest_first:
        histories.reverse()
    last_change = utc(statuses[-1][1])
    resolved = resolution is not None
    description: object = f"Reported by the customer: {summary.lower()}."
    if cloud:  # v3 returns rich text as Atlassian Document Format
        description = {
            "type": "doc",
            "version": 1,
            "content": [{"type": "paragraph", "content": [{"type": "text", "text": description}]}],
        }
    fields = {
        "summary": summary,
        "issuetype": {
            "self": f"{site}/rest/api/2/issuetype/10004",
            "id": "10004",
            "name": "Incident",
            "subtask": False,
        },
        "project": {
            "self": f"{site}/rest/api/2/project/10000",
            "id": "10000",
            "key": "INC",
            "name": "IT Support",
        },
        "status": status_object(statuses[-1][0], site),
        "priority": {"self": f"{site}/rest/api/2/priority/3", "name": "Medium", "id": "3"},
        "created": jira_time(utc(statuses[0][1]), offset),
        "updated": jira_time(last_change, offset),
        "resolution": {
            "self": f"{site}/rest/api/2/resolution/1",
            "id": "1",
            "description": "",
            "name": resolution,
        }
        if resolved
        else None,
        "resolutiondate": jira_time(last_change, offset) if resolved else None,
        "assignee": jira_user(assignee, cloud=cloud),
        "reporter": jira_user("Service Desk Bot", cloud=cloud),
        "labels": ["customer-reported"] if number % 2 else [],
        "description": description,
        "customfield_10030": option(cos, 10040 + len(cos), site),  # Class of Service
        "customfield_10010": option(customer, 10100 + len(customer), site),  # Customer
        "customfield_10021": [option("Impediment", 10019, site)]
        if any(end is None for _, end in incident[8])
        else None,  # Flagged
        "customfield_10016": float(number % 5 + 1),  # Story point estimate
    }
    return {
        "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
        "id": str(20000 + number),
        "self": f"{site}/rest/api/{3 if cloud else 2}/issue/{20000 + number}",
        "key": key,
        "changelog": {
            "startAt": 0,
            "maxResults": len(histories),
            "total": len(histories),
            "histories": histories,
        },
        "fields": fields,
    }


def jira_cloud() -> list[dict[str, object]]:
    """Two pages of /rest/api/3/search/jql: the first lists histories newest first."""
    first = [jira_issue(i, cloud=True, offset=11, newest_first=True) for i in INCIDENTS[:5]]
    second = [jira_issue(i, cloud=True, offset=11, newest_first=False) for i in INCIDENTS[5:]]
    return [
        {"issues": first, "nextPageToken": "Ch0jU3RyaW5nJklOQyZJbnQmMTA1", "isLast": False},
        {"issues": second, "isLast": True},  # no nextPageToken on the last page
    ]


def jira_server() -> dict[str, object]:
    """One page of /rest/api/2/search (Server / Data Center), histories oldest first."""
    issues = [jira_issue(i, cloud=False, offset=-5, newest_first=False) for i in INCIDENTS]
    return {
        "expand": "schema,names",
        "startAt": 0,
        "maxResults": 50,
        "total": len(issues),
        "issues": issues,
    }


# ------------------------------------------------------------------------ Azure DevOps
def identity(name: str | None) -> dict[str, object] | None:
    if name is None:
        return None
    account, _, mail = ACCOUNTS[name]
    ident = account.split(":")[1]
    return {
        "displayName": name,
        "url": f"https://spsprodweu5.vssps.visualstudio.com/_apis/Identities/{ident}",
        "_links": {
            "avatar": {
                "href": f"https://dev.azure.com/contoso/_apis/GraphProfile/"
                f"MemberAvatars/aad.{ident}"
            }
        },
        "id": ident,
        "uniqueName": mail,
        "imageUrl": f"https://dev.azure.com/contoso/_apis/GraphProfile/MemberAvatars/aad.{ident}",
        "descriptor": f"aad.{ident}",
    }


def ado_changes(incident: tuple) -> list[tuple[dt.datetime, dict[str, object]]]:
    """The field values each revision sets, by instant (the first is the creation)."""
    _, _, summary, cos, customer, assignee, resolution, statuses, flags = incident
    created = utc(statuses[0][1])
    first: dict[str, object] = {
        "System.WorkItemType": "Incident",
        "System.Title": summary,
        "System.State": statuses[0][0],
        "System.Reason": "New",
        "System.AreaPath": "Support",
        "System.IterationPath": "Support",
        "System.TeamProject": "Support",
        "System.CreatedDate": ado_time(created),
        "System.CreatedBy": identity("Service Desk Bot"),
        "Microsoft.VSTS.Common.Priority": 2,
        "Custom.ClassOfService": cos,
        "Custom.Customer": customer,
        "Microsoft.VSTS.CMMI.Blocked": "No",
    }
    changes: list[tuple[dt.datetime, dict[str, object]]] = [(created, first)]
    for (before, _), (after, at) in itertools.pairwise(statuses):
        change: dict[str, object] = {"System.State": after, "System.Reason": f"Moved to {after}"}
        if after in ("Resolved", "Closed") and resolution and before != "Resolved":
            change["Microsoft.VSTS.Common.ResolvedReason"] = resolution
        if before == "Resolved" and after == "In Progress":
            change["Microsoft.VSTS.Common.ResolvedReason"] = None
        changes.append((utc(at), change))
    for start, end in flags:
        changes.append((utc(start), {"Microsoft.VSTS.CMMI.Blocked": "Yes"}))
        if end is not None:
            changes.append((utc(end), {"Microsoft.VSTS.CMMI.Blocked": "No"}))
    if assignee is not None:
        changes.append(
            (created + dt.timedelta(minutes=3), {"System.AssignedTo": identity(assignee)})
        )
    changes.append((created + dt.timedelta(minutes=2), {"System.Tags": "customer-reported"}))
    changes.sort(key=lambda c: c[0])
    merged: list[tuple[dt.datetime, dict[str, object]]] = []
    for at, change in changes:  # one revision per instant
        if merged and merged[-1][0] == at:
            merged[-1][1].update(change)
        else:
            merged.append((at, dict(change)))
    return merged


def ado_updates() -> list[dict[str, object]]:
    """One Updates - List response per work item."""
    out = []
    for incident in INCIDENTS:
        number = incident[1]
        changes = ado_changes(incident)
        state: dict[str, object] = {}
        updates = []
        for rev, (at, change) in enumerate(changes, start=1):
            fields: dict[str, object] = {"System.Id": {"newValue": number}} if rev == 1 else {}
            fields["System.Rev"] = (
                {"newValue": rev} if rev == 1 else {"oldValue": rev - 1, "newValue": rev}
            )
            for name, value in change.items():
                update: dict[str, object] = {}
                if name in state:
                    update["oldValue"] = state[name]
                if value is not None:
                    update["newValue"] = value
                fields[name] = update
                if value is None:
                    state.pop(name, None)
                else:
                    state[name] = value
            previous = state.get("System.ChangedDate")
            fields["System.ChangedDate"] = (
                {"newValue": ado_time(at)}
                if previous is None
                else {"oldValue": previous, "newValue": ado_time(at)}
            )
            state["System.ChangedDate"] = ado_time(at)
            following = changes[rev][0] if rev < len(changes) else None
            updates.append(
                {
                    "id": rev,
                    "workItemId": number,
                    "rev": rev,
                    "revisedBy": identity(incident[5] or "Grace Hopper"),
                    "revisedDate": ado_time(following) if following else "9999-01-01T00:00:00Z",
                    "fields": fields,
                    "url": f"{ADO}/_apis/wit/workItems/{number}/updates/{rev}",
                }
            )
        out.append({"count": len(updates), "value": updates})
    return out


def ado_revisions() -> dict[str, object]:
    """One batch of Reporting Work Item Revisions (includeIdentityRef=true), by watermark."""
    revisions = []
    for incident in INCIDENTS:
        number = incident[1]
        snapshot: dict[str, object] = {}
        for rev, (at, change) in enumerate(ado_changes(incident), start=1):
            for name, value in change.items():
                if value is None:
                    snapshot.pop(name, None)
                else:
                    snapshot[name] = value
            fields = {
                "System.Id": number,
                "System.Rev": rev,
                **snapshot,
                "System.ChangedDate": ado_time(at),
            }
            revisions.append((at, number, {"id": number, "rev": rev, "fields": fields}))
    revisions.sort(key=lambda r: (r[0], r[1]))  # the order the service records them in
    return {
        "values": [r[2] for r in revisions],
        "nextLink": f"{ADO}/_apis/wit/reporting/workItemRevisions?continuationToken="
        "1771;1;4108&api-version=7.1",
        "continuationToken": "1771;1;4108",
        "isLastBatch": True,
    }


# --------------------------------------------------------------------- ActionableAgile
def actionable_agile() -> str:
    """ActionableAgile's CSV: ID, Link, Name, a date per stage (back-filled), attributes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "ID",
            "Link",
            "Name",
            *STAGES,
            "Class of Service",
            "Customer",
            "Assignee",
            "Resolution",
            "Blocked Days",
        ]
    )
    mapped = {"Waiting for customer": "In Progress"}
    for key, _, summary, cos, customer, assignee, resolution, statuses, flags in INCIDENTS:
        first: dict[str, dt.datetime] = {}
        for status, at in statuses:
            first.setdefault(mapped.get(status, status), utc(at))
        dates = []
        for k in range(len(STAGES)):  # entered this stage or a later one: the earliest
            later = [first[s] for s in STAGES[k:] if s in first]
            dates.append(min(later).date().isoformat() if later else "")
        blocked = sum(
            ((utc(end) if end else utc("2024-03-18T00:00")) - utc(start)).days
            for start, end in flags
        )
        writer.writerow(
            [
                key,
                f"{JIRA_SITE}/browse/{key}",
                summary,
                *dates,
                cos,
                customer,
                assignee or "",
                resolution or "",
                blocked,
            ]
        )
    return out.getvalue()


def main() -> None:
    (HERE / "events.csv").write_text(events_csv(), encoding="utf-8", newline="")
    (HERE / "actionable_agile.csv").write_text(actionable_agile(), encoding="utf-8", newline="")
    documents = {
        "jira_cloud_v3.json": jira_cloud(),
        "jira_server_v2.json": jira_server(),
        "ado_updates.json": ado_updates(),
        "ado_reporting_revisions.json": ado_revisions(),
    }
    for name, document in documents.items():
        text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
        (HERE / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

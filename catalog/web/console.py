"""The GraphQL query console served at /graphql to browsers: a textarea, a Run button and the answer as
indented JSON. It replaces GraphiQL as Strawberry serves it, which loads React and GraphiQL from a public
CDN and so stays a blank "Loading..." on a network without internet access.
"""

from __future__ import annotations

from starlette.responses import HTMLResponse

from catalog.web.render import render

EXAMPLE = """{
  whoOwns(identifier: "checkout") {
    identification { message }
    subjects { name owners { owner { ... on Team { name } } strength } contacts { name chatChannel email } }
  }
  onCall(service: "checkout") {
    message
    levels { level isEmpty onCall { name email endsAt } }
  }
}
"""


def console_page() -> HTMLResponse:
    return render("console.html", {"example": EXAMPLE, "q": ""})

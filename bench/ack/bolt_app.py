"""The reference for bench/ack: a Bolt for Python app answering the same signed `/sluice help`
slash command in its fastest configuration (AsyncApp, process_before_response, served by gunicorn
with uvicorn workers). Bolt verifies the signature, parses the form and acks with the reply."""
import os

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from starlette.applications import Starlette
from starlette.routing import Route

async def authorize(enterprise_id, team_id, logger):
    # The workspace's bot, known ahead (a real app asks auth.test once and caches it): no network.
    return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token="xoxb-bench", bot_user_id="U0BOT", bot_id="B0BOT")


app = AsyncApp(
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    authorize=authorize,
    request_verification_enabled=True,
    process_before_response=True,
)


@app.command("/sluice")
async def sluice(ack, command):
    await ack(response_type="ephemeral", text="Sluice commands", blocks=[])


handler = AsyncSlackRequestHandler(app)


async def endpoint(request):
    return await handler.handle(request)


api = Starlette(routes=[Route("/slack/commands", endpoint=endpoint, methods=["POST"])])

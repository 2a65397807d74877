"""The issue's reference: a bare Python pass-through (starlette + aiohttp client, no translation).

    python benchmarks/passthrough.py --upstream http://127.0.0.1:PORT/api/v1/chat/completions --port N

``POST /v1/messages`` forwards the request body unchanged to the upstream and relays its answer
(streamed when the upstream streams). Measured in the same run as ccrouter, on the same core and
with the same uvicorn settings, it is the floor any Python router on this machine pays for an
HTTP hop; ccrouter's figures against it show the cost of translation and routing.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator

import aiohttp
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


def build(upstream: str) -> Starlette:
    session: aiohttp.ClientSession | None = None

    async def messages(request: Request) -> Response:
        nonlocal session
        if session is None:
            connector = aiohttp.TCPConnector(limit=512, keepalive_timeout=60)
            session = aiohttp.ClientSession(connector=connector)
        body = await request.body()
        headers = {"authorization": "Bearer bench", "content-type": "application/json"}
        response = await session.post(upstream, data=body, headers=headers)
        content_type = response.headers.get("content-type", "application/json")
        if content_type.startswith("text/event-stream"):

            async def relay() -> AsyncIterator[bytes]:
                try:
                    async for chunk in response.content.iter_any():
                        yield chunk
                finally:
                    response.release()

            return StreamingResponse(relay(), response.status, media_type=content_type)
        data = await response.read()
        response.release()
        return Response(data, response.status, media_type=content_type)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[Route("/v1/messages", messages, methods=["POST"]), Route("/health", health)]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        build(args.upstream),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_keep_alive=75,
    )


if __name__ == "__main__":
    main()

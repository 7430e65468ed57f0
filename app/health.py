from fastapi import APIRouter

from app.errors import problem_responses
from app.schemas import Health

router = APIRouter(tags=["health"])


# 422: the request guard refuses a control character in any path or query string.
@router.get("/healthz", responses=problem_responses(422))
def get_health() -> Health:
    """Liveness; needs no key."""
    return Health(status="ok")

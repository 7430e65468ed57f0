from fastapi import APIRouter

from app.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz")
def get_health() -> Health:
    """Liveness; needs no key."""
    return Health(status="ok")

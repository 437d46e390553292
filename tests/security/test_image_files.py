"""Image files under /media/images/ are served only to people who may see the image."""

import pytest

from tests.security.roles import studio_image


def course_of(role):
    from cms.catalogue.models import CoursePage

    return CoursePage.objects.child_of(role.studio).live().order_by("path").first()


@pytest.mark.django_db
def test_image_files_follow_who_may_see_the_image(client, studio_a, teacher_a, teacher_b):
    private = studio_image(studio_a, "IMG-PRIVATE")
    shown = studio_image(studio_a, "IMG-SHOWN")
    course = course_of(studio_a)
    course.cover_image = shown
    course.save_revision().publish()

    private_urls = [private.get_rendition(spec).url for spec in ("original", "max-165x165")]
    shown_url = shown.get_rendition("max-165x165").url
    assert all(url.startswith("/media/images/") for url in private_urls + [shown_url])

    response = client.get(shown_url)  # shown by a public page: public, cacheable
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=3600"
    for url in private_urls:
        assert client.get(url).status_code == 404  # anonymous
    client.force_login(teacher_b)
    for url in private_urls:
        assert client.get(url).status_code == 404  # another studio
    client.force_login(teacher_a)
    for url in private_urls:
        response = client.get(url)
        assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert client.get("/media/images/../original_images/x.png").status_code == 404
